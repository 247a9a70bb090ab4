"""``MemoryEnvironment``: the reconciler's ``Environment`` without Git, tools or a network.

``MemoryRepo`` is a repository whose commits hold already-rendered objects by path, with
branches and tags pointing at them; ``MemoryEnvironment`` resolves an Application's
sources against such repositories, hands out ``MemoryCluster``s (or any ``ClusterPort``)
by destination, and keeps the AppProjects, the health assessor and one dry-run memo per
server. Faults: a repository can be made to fail its next renders with any
``GitopsdError`` (an unreachable remote, a tool error), as a real fetch or render would.

Engine tests drive ``sync.Reconciler`` with it; see ``tests/unit/engine``.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from gitopsd.errors import GitopsdError, ManifestError, RevisionNotFound, SpecError
from gitopsd.health import HealthAssessor
from gitopsd.memory.clock import START
from gitopsd.model.annotations import IN_CLUSTER_SERVER
from gitopsd.ports import ClusterPort, KubeObject
from gitopsd.project import Project
from gitopsd.render import GeneratedManifests, RenderContext, is_ref_only
from gitopsd.source import CommitInfo
from gitopsd.spec import ApplicationSpec, Destination
from gitopsd.sync.compare import DryRunMemo


@dataclass(frozen=True)
class MemoryCommit:
    info: CommitInfo
    paths: Mapping[str, tuple[KubeObject, ...]]


class MemoryRepo:
    """One repository: commits of rendered objects keyed by path, and refs to them."""

    def __init__(self, url: str, *, default_branch: str = "main") -> None:
        self.url = url
        self.default_branch = default_branch
        self.refs: dict[str, str] = {}
        self.commits: dict[str, MemoryCommit] = {}
        self.renders = 0  # how many times generate read this repository
        self._failures: list[tuple[GitopsdError, int | None]] = []

    def commit(
        self,
        paths: Mapping[str, Sequence[KubeObject]],
        *,
        branch: str | None = None,
        author: str = "Dev Eloper",
        message: str = "change",
    ) -> str:
        """Record a commit on ``branch`` (the default one if None); returns its SHA."""
        branch = branch or self.default_branch
        frozen = {path: tuple(copy.deepcopy(list(objs))) for path, objs in paths.items()}
        seed = json.dumps(
            [self.refs.get(branch, ""), len(self.commits), message, frozen], sort_keys=True
        )
        sha = hashlib.sha1(seed.encode()).hexdigest()
        date = START + dt.timedelta(minutes=len(self.commits))
        info = CommitInfo(
            sha, author, f"{author.split(maxsplit=1)[0].lower()}@example.com", date, message
        )
        self.commits[sha] = MemoryCommit(info, frozen)
        self.refs[branch] = sha
        return sha

    def tag(self, name: str, sha: str) -> None:
        self.refs[name] = sha

    def fail(self, error: GitopsdError, *, times: int | None = 1) -> None:
        """Make the next ``times`` renders (every one, with None) raise ``error``."""
        self._failures.append((error, times))

    def heal(self) -> None:
        self._failures.clear()

    def resolve(self, revision: str) -> str:
        wanted = revision or "HEAD"
        if wanted == "HEAD":
            wanted = self.default_branch
        if wanted in self.refs:
            return self.refs[wanted]
        matches = [sha for sha in self.commits if len(wanted) >= 7 and sha.startswith(wanted)]
        if len(matches) == 1:
            return matches[0]
        raise RevisionNotFound(f"{self.url}: revision {revision!r} not found")

    def objects(self, sha: str, path: str) -> list[KubeObject]:
        self.renders += 1
        if self._failures:
            error, times = self._failures[0]
            if times is not None:
                if times <= 1:
                    self._failures.pop(0)
                else:
                    self._failures[0] = (error, times - 1)
            raise error
        commit = self.commits[sha]
        wanted = path.strip("/") or "."
        if wanted not in commit.paths:
            raise ManifestError(f"{self.url}@{sha[:7]}: {wanted}: app path does not exist")
        return copy.deepcopy(list(commit.paths[wanted]))


class MemoryEnvironment:
    """Implements ``gitopsd.sync.environment.Environment`` over in-memory parts."""

    def __init__(
        self,
        clusters: ClusterPort | Mapping[str, ClusterPort],
        repos: Iterable[MemoryRepo] = (),
        *,
        projects: Iterable[Project] = (),
        assessor: HealthAssessor | None = None,
        cluster_names: Mapping[str, str] | None = None,
    ) -> None:
        if isinstance(clusters, Mapping):
            self.clusters: dict[str, ClusterPort] = dict(clusters)
        else:
            self.clusters = {IN_CLUSTER_SERVER: clusters}
        self.names = {"in-cluster": IN_CLUSTER_SERVER, **(cluster_names or {})}
        self.repos = {repo.url: repo for repo in repos}
        self.project_list = {project.name: project for project in projects}
        self._assessor = assessor or HealthAssessor()
        self._memos: dict[str, DryRunMemo] = {}
        self.generated: list[RenderContext] = []  # every render asked for, in order

    def cluster_for(self, destination: Destination) -> tuple[ClusterPort, str]:
        server = destination.server or self.names.get(destination.name, "")
        if server not in self.clusters:
            wanted = destination.server or destination.name
            raise SpecError(f"destination cluster {wanted!r} is not registered")
        return self.clusters[server], server

    def generate(
        self,
        spec: ApplicationSpec,
        context: RenderContext,
        revisions: list[str] | None,
        *,
        fresh: bool = False,
    ) -> GeneratedManifests:
        del fresh  # nothing is cached between calls here
        self.generated.append(context)
        shas: list[str] = []
        commits: list[CommitInfo] = []
        objects: list[KubeObject] = []
        for index, source in enumerate(spec.sources):
            repo = self.repos.get(source.repo_url)
            if repo is None:
                raise RevisionNotFound(f"{source.repo_url}: repository not found")
            wanted = revisions[index] if revisions and index < len(revisions) else ""
            sha = repo.resolve(wanted or source.target_revision)
            shas.append(sha)
            commits.append(repo.commits[sha].info)
            if not is_ref_only(source):
                objects.extend(repo.objects(sha, source.path))
        return GeneratedManifests(tuple(objects), tuple(shas), tuple(commits))

    def projects(self, namespace: str) -> Mapping[str, Project]:
        del namespace  # one set of projects for every namespace
        return dict(self.project_list)

    def assessor(self) -> HealthAssessor:
        return self._assessor

    def memo_for(self, server: str) -> DryRunMemo:
        return self._memos.setdefault(server, DryRunMemo())
