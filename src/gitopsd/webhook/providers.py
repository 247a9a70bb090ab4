"""Which provider sent a webhook, and the push event in its body.

Called by :mod:`gitopsd.webhook.receiving` after the signature check. Each provider has
one small parser that reads the documented fields of its push payload:

- GitHub (``X-GitHub-Event: push``): ``ref``; ``repository.html_url``, ``clone_url``,
  ``ssh_url``; ``repository.default_branch``; ``commits[].added/modified/removed``.
- GitLab (``X-Gitlab-Event: Push Hook`` or ``Tag Push Hook``): ``ref``;
  ``project.web_url``, ``git_http_url``, ``git_ssh_url``; ``project.default_branch``;
  commits as GitHub (GitLab sends at most 20; past that the file list is unknown).
- Bitbucket Cloud (``X-Event-Key: repo:push``): ``repository.links.html.href``;
  ``push.changes[0].new`` (or ``old`` for a deleted ref) ``{type, name}``. No file list.
- Bitbucket Server / Data Center (``X-Event-Key: repo:refs_changed``):
  ``repository.links.clone[].href``; ``changes[0].ref.id``. No file list.
- Gitea and Gogs (``X-Gitea-Event`` / ``X-Gogs-Event: push``): as GitHub.
- Generic JSON, for CI systems and scripts: ``{"repoURL": ..., "revision" | "ref": ...,
  "changedFiles": [...], "defaultBranch": ...}``; only ``repoURL`` is required, and no
  revision means "any revision of this repository".

Bitbucket reports several ref changes in one event; like Argo CD, gitopsd takes the first.
Gitea also sends GitHub's and Gogs' event headers, so it is recognised first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from gitopsd.errors import WebhookError
from gitopsd.webhook.events import BRANCH_PREFIX, TAG_PREFIX, Provider, PushEvent, short_ref

_EVENT_HEADER: dict[Provider, str] = {
    Provider.GITEA: "x-gitea-event",
    Provider.GOGS: "x-gogs-event",
    Provider.GITHUB: "x-github-event",
    Provider.GITLAB: "x-gitlab-event",
    Provider.BITBUCKET: "x-event-key",
    Provider.BITBUCKET_SERVER: "x-event-key",
}
_PUSH_EVENTS: dict[Provider, frozenset[str]] = {
    Provider.GITEA: frozenset({"push"}),
    Provider.GOGS: frozenset({"push"}),
    Provider.GITHUB: frozenset({"push"}),
    Provider.GITLAB: frozenset({"Push Hook", "Tag Push Hook"}),
    Provider.BITBUCKET: frozenset({"repo:push"}),
    Provider.BITBUCKET_SERVER: frozenset({"repo:refs_changed"}),
}
# GitHub lists at most this many commits in a push payload.
_GITHUB_MAX_COMMITS = 2048


def detect_provider(headers: Mapping[str, str]) -> Provider:
    """The provider named by the request's event header; generic when there is none.

    ``headers`` has lower-case names.
    """
    for provider in (Provider.GITEA, Provider.GOGS, Provider.GITHUB, Provider.GITLAB):
        if _EVENT_HEADER[provider] in headers:
            return provider
    if "x-event-key" in headers:
        cloud = "x-hook-uuid" in headers or headers["x-event-key"] == "repo:push"
        return Provider.BITBUCKET if cloud else Provider.BITBUCKET_SERVER
    return Provider.GENERIC


def event_name(provider: Provider, headers: Mapping[str, str]) -> str:
    """The provider's name for the event (``push``, ``ping``, ``Push Hook``, ...)."""
    header = _EVENT_HEADER.get(provider)
    return headers.get(header, "") if header else "push"


def parse_push(provider: Provider, headers: Mapping[str, str], body: bytes) -> PushEvent | None:
    """The push event in ``body``; None when the request is another kind of event.

    Raises :class:`~gitopsd.errors.WebhookError` when the body is not valid JSON or lacks
    the repository or ref of a push.
    """
    if (
        provider is not Provider.GENERIC
        and event_name(provider, headers) not in (_PUSH_EVENTS[provider])
    ):
        return None
    payload = _load_object(provider, body)
    event = _PARSERS[provider](provider, payload)
    if not event.repo_urls:
        raise WebhookError(f"{provider} push event: no repository URL in the payload")
    return event


def _parse_github_like(provider: Provider, payload: dict[str, Any]) -> PushEvent:
    """GitHub, Gitea and Gogs share one push payload shape."""
    repository = _object(payload, "repository", provider)
    commits = _list(payload.get("commits"))
    truncated = len(commits) >= _GITHUB_MAX_COMMITS
    return _push(
        provider,
        ref=_required_text(payload, "ref", provider),
        urls=(repository.get(k) for k in ("html_url", "clone_url", "ssh_url")),
        files=() if truncated else _commit_files(commits),
        default_branch=repository.get("default_branch") or repository.get("master_branch"),
    )


def _parse_gitlab(provider: Provider, payload: dict[str, Any]) -> PushEvent:
    project = _object(payload, "project", provider)
    commits = _list(payload.get("commits"))
    total = payload.get("total_commits_count")
    truncated = isinstance(total, int) and total > len(commits)
    return _push(
        provider,
        ref=_required_text(payload, "ref", provider),
        urls=(project.get(k) for k in ("web_url", "git_http_url", "git_ssh_url")),
        files=() if truncated else _commit_files(commits),
        default_branch=project.get("default_branch"),
    )


def _parse_bitbucket_cloud(provider: Provider, payload: dict[str, Any]) -> PushEvent:
    repository = _object(payload, "repository", provider)
    links = repository.get("links")
    html = links.get("html") if isinstance(links, dict) else None
    changes = _list(_object(payload, "push", provider).get("changes"))
    if not changes or not isinstance(changes[0], dict):
        raise WebhookError(f"{provider} push event: no ref changes in the payload")
    target = changes[0].get("new") or changes[0].get("old")
    if not isinstance(target, dict) or not isinstance(target.get("name"), str):
        raise WebhookError(f"{provider} push event: a ref change names no branch or tag")
    prefix = TAG_PREFIX if target.get("type") == "tag" else BRANCH_PREFIX
    mainbranch = repository.get("mainbranch")
    return _push(
        provider,
        ref=prefix + target["name"],
        urls=[html.get("href") if isinstance(html, dict) else None],
        default_branch=mainbranch.get("name") if isinstance(mainbranch, dict) else None,
    )


def _parse_bitbucket_server(provider: Provider, payload: dict[str, Any]) -> PushEvent:
    repository = _object(payload, "repository", provider)
    links = repository.get("links")
    clones = _list(links.get("clone")) if isinstance(links, dict) else []
    changes = _list(payload.get("changes"))
    ref = changes[0].get("ref") if changes and isinstance(changes[0], dict) else None
    if not isinstance(ref, dict) or not isinstance(ref.get("id"), str):
        raise WebhookError(f"{provider} push event: no ref changes in the payload")
    return _push(
        provider,
        ref=ref["id"],
        urls=(clone.get("href") for clone in clones if isinstance(clone, dict)),
    )


def _parse_generic(provider: Provider, payload: dict[str, Any]) -> PushEvent:
    revision = payload.get("revision") or payload.get("ref") or ""
    if not isinstance(revision, str):
        raise WebhookError(f"{provider} push event: revision must be a string")
    files = payload.get("changedFiles")
    return PushEvent(
        provider=provider,
        repo_urls=_texts([payload.get("repoURL")]),
        revision=short_ref(revision),
        changed_files=_texts(files if isinstance(files, list) else []),
        ref=revision if revision.startswith("refs/") else "",
        default_branch=_text(payload.get("defaultBranch")),
    )


def _push(
    provider: Provider,
    *,
    ref: str,
    urls: Iterable[Any],
    files: Iterable[Any] = (),
    default_branch: Any = None,
) -> PushEvent:
    return PushEvent(
        provider=provider,
        repo_urls=_texts(urls),
        revision=short_ref(ref),
        changed_files=_texts(files),
        ref=ref,
        default_branch=_text(default_branch),
    )


def _commit_files(commits: list[Any]) -> list[Any]:
    files: list[Any] = []
    for commit in commits:
        if isinstance(commit, dict):
            for change in ("added", "modified", "removed"):
                files.extend(_list(commit.get(change)))
    return files


def _load_object(provider: Provider, body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise WebhookError(f"{provider} push event: body is not valid JSON: {e}") from e
    if not isinstance(payload, dict):
        raise WebhookError(f"{provider} push event: body is not a JSON object")
    return payload


def _object(payload: dict[str, Any], key: str, provider: Provider) -> dict[str, Any]:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise WebhookError(f"{provider} push event: missing object {key!r}")
    return value


def _required_text(payload: dict[str, Any], key: str, provider: Provider) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise WebhookError(f"{provider} push event: missing string {key!r}")
    return value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _texts(values: Iterable[Any]) -> tuple[str, ...]:
    """Non-empty strings among ``values``, de-duplicated and sorted."""
    return tuple(sorted({v for v in values if isinstance(v, str) and v}))


_PARSERS = {
    Provider.GITHUB: _parse_github_like,
    Provider.GITEA: _parse_github_like,
    Provider.GOGS: _parse_github_like,
    Provider.GITLAB: _parse_gitlab,
    Provider.BITBUCKET: _parse_bitbucket_cloud,
    Provider.BITBUCKET_SERVER: _parse_bitbucket_server,
    Provider.GENERIC: _parse_generic,
}
