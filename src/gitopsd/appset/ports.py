"""What the ApplicationSet core needs from outside: Git file access and cluster registrations.

The generators in :mod:`gitopsd.appset.generators` read Git only through :class:`RepoFiles`
and see clusters only as :class:`ClusterInfo` values. :mod:`gitopsd.appset.repos` ships two
implementations of :class:`RepoFiles` (a local directory, and any checkout function such as
``gitopsd.source``'s); the operator turns cluster Secrets into ``ClusterInfo``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from gitopsd.model.annotations import IN_CLUSTER_SERVER

LOCAL_CLUSTER_NAME = "in-cluster"


class RepoFiles(Protocol):
    """Read-only access to one commit of a Git repository.

    Every method raises a ``gitopsd.errors.SourceError`` subclass when the repository or
    revision cannot be read; an empty list always means "nothing matched", never a failure.
    """

    def resolve(self, repo_url: str, revision: str) -> str:
        """The commit SHA ``revision`` names."""
        ...

    def list_dirs(self, repo_url: str, sha: str, pattern: str) -> list[str]:
        """Sorted repo-relative directories matching ``pattern`` (``model.globs.path_match``)."""
        ...

    def list_files(self, repo_url: str, sha: str, pattern: str) -> list[str]:
        """Sorted repo-relative files matching ``pattern``."""
        ...

    def read_file(self, repo_url: str, sha: str, path: str) -> bytes: ...


@dataclass(frozen=True)
class ClusterInfo:
    """One registered cluster as the clusters generator sees it (from its cluster Secret)."""

    name: str
    server: str
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    annotations: Mapping[str, str] = field(default_factory=dict, hash=False)
    project: str = ""

    @property
    def is_local(self) -> bool:
        return self.server == IN_CLUSTER_SERVER


# The cluster gitopsd runs in, present even without a cluster Secret (as in Argo CD).
LOCAL_CLUSTER = ClusterInfo(name=LOCAL_CLUSTER_NAME, server=IN_CLUSTER_SERVER)

# Clusters are passed as a list, or as a function listing them (called only when a clusters
# generator runs, so a failure to list them surfaces as a generation error).
Clusters = Sequence[ClusterInfo] | Callable[[], Sequence[ClusterInfo]]
