"""The reconciler's ``Environment`` as the running controller provides it: registered
clusters, Git and rendering, AppProjects, health customizations and dry-run memos.

AppProjects are kept per namespace as the watch reports them; the watch covers the
control-plane namespace only, and the reconciler asks for that namespace's projects.
With sharding, the clusters it hands out check every write against ownership first
(``FencedCluster``)."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from gitopsd.health import HealthAssessor
from gitopsd.operator.clusters import ClusterRegistry
from gitopsd.ports import ClusterPort
from gitopsd.project import Project, parse_project
from gitopsd.render import GeneratedManifests, ManifestGenerator, RenderContext
from gitopsd.sharding import FencedCluster, WriteGate
from gitopsd.source import ChartRepositories, GitRepositories
from gitopsd.spec import ApplicationSpec, Destination
from gitopsd.sync.compare import DryRunMemo


class ControllerEnvironment:
    def __init__(
        self,
        clusters: ClusterRegistry,
        manifests: ManifestGenerator,
        assessor: HealthAssessor,
        repos: GitRepositories,
        charts: ChartRepositories | None = None,
        gate: WriteGate | None = None,
    ) -> None:
        self.clusters = clusters
        self.gate = gate
        self.repos = repos
        self.charts = charts
        self.manifests = manifests
        self._assessor = assessor
        self._projects: dict[str, dict[str, Project]] = {}
        self._memos: dict[str, DryRunMemo] = {}
        self._lock = threading.Lock()

    # --- Environment --------------------------------------------------------------
    def cluster_for(self, destination: Destination) -> tuple[ClusterPort, str]:
        entry = self.clusters.resolve(destination)
        if self.gate is not None and self.gate.sharded:
            return FencedCluster(entry.cluster, self.gate), entry.server
        return entry.cluster, entry.server

    def generate(
        self,
        spec: ApplicationSpec,
        context: RenderContext,
        revisions: list[str] | None,
        *,
        fresh: bool = False,
    ) -> GeneratedManifests:
        if fresh:
            for source in spec.sources:
                if source.chart and self.charts is not None:
                    self.charts.forget(source.repo_url)
                elif not source.chart:
                    self.repos.forget_refs(source.repo_url)
        return self.manifests.generate(spec, context, revisions=revisions)

    def projects(self, namespace: str) -> Mapping[str, Project]:
        with self._lock:
            return dict(self._projects.get(namespace, {}))

    def assessor(self) -> HealthAssessor:
        return self._assessor

    def memo_for(self, server: str) -> DryRunMemo:
        with self._lock:
            return self._memos.setdefault(server, DryRunMemo())

    # --- updates from watches -----------------------------------------------------
    def set_assessor(self, assessor: HealthAssessor) -> None:
        self._assessor = assessor

    def upsert_project(self, body: dict[str, object]) -> None:
        meta = body.get("metadata") or {}
        assert isinstance(meta, dict)
        project = parse_project(dict(body))
        with self._lock:
            self._projects.setdefault(str(meta.get("namespace")), {})[str(meta.get("name"))] = (
                project
            )

    def remove_project(self, namespace: str, name: str) -> None:
        with self._lock:
            self._projects.get(namespace, {}).pop(name, None)
