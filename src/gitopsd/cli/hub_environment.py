"""The reconciler's ``Environment`` as ``gitopsd app diff`` builds it from the hub, so the
command runs the controller's own assessment (``sync/reconcile/assess.py``).

:class:`HubEnvironment` is the controller's :class:`ControllerEnvironment` (rendering,
AppProjects, health customizations, dry-run memo) for one destination the caller has
already resolved (the hub or a registered cluster, with its canonical server URL); its
AppProjects are read once from the control-plane namespace and parsed as the controller's
watch parses them. Called by :mod:`gitopsd.cli.app_diff`.
"""

from __future__ import annotations

import sys

from gitopsd.cluster import KubeCluster
from gitopsd.errors import Forbidden, GitopsdError, SpecError
from gitopsd.health import HealthAssessor
from gitopsd.model.annotations import GROUP
from gitopsd.model.keys import GroupKind
from gitopsd.operator.clusters import ClusterRegistry
from gitopsd.operator.environment import ControllerEnvironment
from gitopsd.ports import ClusterPort
from gitopsd.render import ManifestGenerator
from gitopsd.source import ChartRepositories, GitRepositories
from gitopsd.spec import Destination

APPPROJECT = GroupKind(GROUP, "AppProject")


class HubEnvironment(ControllerEnvironment):
    """The controller's environment for one resolved destination."""

    def __init__(
        self,
        hub: KubeCluster,
        destination: tuple[ClusterPort, str],
        repos: GitRepositories,
        manifests: ManifestGenerator,
        assessor: HealthAssessor,
        charts: ChartRepositories | None = None,
    ) -> None:
        super().__init__(ClusterRegistry(hub), manifests, assessor, repos, charts)
        self._destination = destination

    def cluster_for(self, destination: Destination) -> tuple[ClusterPort, str]:
        del destination  # resolved by the caller, as the controller's registry would
        return self._destination

    def read_projects(self, hub: ClusterPort, namespace: str) -> None:
        """The AppProjects of the control-plane namespace; one the controller could not
        parse is skipped with a warning, as the controller skips it."""
        try:
            bodies = hub.list(APPPROJECT, namespace=namespace)
        except Forbidden as error:
            raise SpecError(f"cannot read the AppProjects in {namespace}: {error}") from error
        for body in bodies:
            try:
                self.upsert_project(dict(body))
            except GitopsdError as error:
                print(f"warning: {error}", file=sys.stderr)
