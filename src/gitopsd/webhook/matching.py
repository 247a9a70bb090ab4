"""Which Applications a push concerns.

The operator's ``on_push`` callback lists its Applications as :class:`AppRef`\\ s and
calls :func:`match_applications`; every match gets a refresh. An Application matches
when one of its sources names the pushed repository (compared with
:func:`~gitopsd.webhook.urls.normalize_repo_url`) and that source's ``targetRevision``
follows the pushed ref:

- ``HEAD`` or empty follows the default branch. Without asking the remote we cannot know
  it, so it matches a branch push when the event names its repository's default branch
  and that is the pushed branch, or, when the event does not say, when the pushed branch
  is ``main`` or ``master``. A tag push never moves ``HEAD``.
- A short name (``main``, ``v1.2.0``) matches the pushed branch or tag of that name.
- A full ref (``refs/heads/main``, ``refs/tags/v1.2.0``) matches that exact ref.
- Anything else (a commit SHA, a semver range) does not move on a push.

A generic event without a revision matches every revision. When an :class:`AppRef` has
``watch_paths`` (from the ``manifest-generate-paths`` annotation) and the event lists its
changed files, the Application matches only if a changed file lies under one of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gitopsd.webhook.events import PushEvent, short_ref
from gitopsd.webhook.urls import normalize_repo_url

_HEAD = ("", "HEAD")
_USUAL_DEFAULT_BRANCHES = ("main", "master")


@dataclass(frozen=True)
class AppRef:
    """An Application as the webhook sees it.

    ``repo_urls[i]`` goes with ``target_revisions[i]`` (one pair per source); a missing
    revision means ``HEAD``. ``watch_paths`` are repository-relative directories.
    """

    namespace: str
    name: str
    repo_urls: tuple[str, ...]
    target_revisions: tuple[str, ...] = ()
    watch_paths: tuple[str, ...] = ()

    def sources(self) -> list[tuple[str, str]]:
        revisions = self.target_revisions
        return [
            (url, revisions[index] if index < len(revisions) else "")
            for index, url in enumerate(self.repo_urls)
        ]


def match_applications(event: PushEvent, apps: Iterable[AppRef]) -> list[AppRef]:
    """The Applications ``event`` should refresh, once each, sorted by namespace and name."""
    pushed = {normalize_repo_url(url) for url in event.repo_urls}
    matched = {(app.namespace, app.name): app for app in apps if _concerns(event, pushed, app)}
    return [matched[key] for key in sorted(matched)]


def revision_matches(target_revision: str, event: PushEvent) -> bool:
    """Whether a source at ``target_revision`` follows the ref ``event`` pushed."""
    target = target_revision.strip()
    if not event.revision:
        return True
    if target in _HEAD:
        return not event.is_tag and event.revision == _default_branch(event)
    if target.startswith("refs/"):
        return target == event.ref if event.ref else short_ref(target) == event.revision
    return target == event.revision


def _default_branch(event: PushEvent) -> str:
    if event.default_branch:
        return event.default_branch
    return event.revision if event.revision in _USUAL_DEFAULT_BRANCHES else ""


def _concerns(event: PushEvent, pushed: set[str], app: AppRef) -> bool:
    follows = any(
        normalize_repo_url(url) in pushed and revision_matches(revision, event)
        for url, revision in app.sources()
    )
    return follows and _touches(event.changed_files, app.watch_paths)


def _touches(changed_files: tuple[str, ...], watch_paths: tuple[str, ...]) -> bool:
    if not watch_paths or not changed_files:
        return True  # no filter, or the provider did not say what changed
    roots = [path.strip("/") for path in watch_paths]
    return any(_under(file.strip("/"), root) for file in changed_files for root in roots)


def _under(file: str, root: str) -> bool:
    return root in ("", ".") or file == root or file.startswith(root + "/")
