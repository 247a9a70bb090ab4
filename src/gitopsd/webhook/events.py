"""What a Git push webhook tells gitopsd: the provider vocabulary and :class:`PushEvent`.

Produced by :mod:`gitopsd.webhook.providers`, consumed by :mod:`gitopsd.webhook.matching`
and by the operator's ``on_push`` callback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

BRANCH_PREFIX = "refs/heads/"
TAG_PREFIX = "refs/tags/"


class Provider(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"
    BITBUCKET = "bitbucket"
    BITBUCKET_SERVER = "bitbucketserver"
    GITEA = "gitea"
    GOGS = "gogs"
    GENERIC = "generic"


@dataclass(frozen=True)
class PushEvent:
    """One push: which repository (under every URL the provider names), which ref.

    ``revision`` is the short branch or tag name (``main``, ``v1.2.0``); ``ref`` the full
    ref when the provider sends one (``refs/heads/main``, ``refs/tags/v1.2.0``), else
    ``""``. ``changed_files`` lists paths the pushed commits added, modified or removed;
    empty means *unknown* (the provider does not send them), never "nothing changed".
    ``default_branch`` is the repository's default branch when the payload says so.
    """

    provider: Provider
    repo_urls: tuple[str, ...]
    revision: str
    changed_files: tuple[str, ...] = ()
    ref: str = ""
    default_branch: str = ""

    @property
    def is_tag(self) -> bool:
        return self.ref.startswith(TAG_PREFIX)


def short_ref(ref: str) -> str:
    """``refs/heads/main`` -> ``main``; ``refs/tags/v1`` -> ``v1``; anything else as is."""
    for prefix in (BRANCH_PREFIX, TAG_PREFIX):
        if ref.startswith(prefix):
            return ref.removeprefix(prefix)
    return ref
