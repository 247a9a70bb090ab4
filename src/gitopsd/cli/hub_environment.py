"""The reconciler's ``Environment`` and settings as ``gitopsd app diff`` builds them from the
hub, so the command runs the controller's own assessment (``sync/reconcile/assess.py``).

:class:`HubEnvironment` answers for one destination (already resolved by the caller):
its cluster and canonical server URL, rendering from Git into a local cache, the
AppProjects of the control-plane namespace, the health customizations of ``gitopsd-cm``
and a dry-run memo of its own. :func:`hub_projects` reads the AppProjects.
Called by :mod:`gitopsd.cli.app_diff`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from gitopsd.errors import Forbidden, SpecError
from gitopsd.health import HealthAssessor
from gitopsd.model.annotations import GROUP
from gitopsd.model.keys import GroupKind
from gitopsd.ports import ClusterPort
from gitopsd.project import Project, parse_project
from gitopsd.render import GeneratedManifests, ManifestGenerator, RenderContext
from gitopsd.spec import ApplicationSpec, Destination
from gitopsd.sync.compare import DryRunMemo

APPPROJECT = GroupKind(GROUP, "AppProject")


class HubEnvironment:
    """Everything one ``app diff`` assessment asks for, read once from the hub."""

    def __init__(
        self,
        cluster: ClusterPort,
        server: str,
        manifests: ManifestGenerator,
        projects: Mapping[str, Project],
        assessor: HealthAssessor,
    ) -> None:
        self._cluster = cluster
        self._server = server
        self._manifests = manifests
        self._projects = dict(projects)
        self._assessor = assessor
        self._memo = DryRunMemo()

    def cluster_for(self, destination: Destination) -> tuple[ClusterPort, str]:
        del destination  # resolved by the caller, as the controller's registry would
        return self._cluster, self._server

    def generate(
        self,
        spec: ApplicationSpec,
        context: RenderContext,
        revisions: list[str] | None,
        *,
        fresh: bool = False,
    ) -> GeneratedManifests:
        del fresh  # a fresh cache: every reference is resolved once, now
        return self._manifests.generate(spec, context, revisions=revisions)

    def projects(self, namespace: str) -> Mapping[str, Project]:
        del namespace  # read from the control-plane namespace only
        return dict(self._projects)

    def assessor(self) -> HealthAssessor:
        return self._assessor

    def memo_for(self, server: str) -> DryRunMemo:
        del server  # one destination per command
        return self._memo


def hub_projects(hub: ClusterPort, namespace: str) -> dict[str, Project]:
    """The AppProjects in the control-plane namespace, as the controller parses them."""
    try:
        bodies = hub.list(APPPROJECT, namespace=namespace)
    except Forbidden as error:
        raise SpecError(f"cannot read the AppProjects in {namespace}: {error}") from error
    projects = {}
    for body in bodies:
        try:
            project = parse_project(dict(body))
        except SpecError as error:  # the controller skips it too: the app names a missing one
            print(f"warning: {error}", file=sys.stderr)
            continue
        projects[project.name] = project
    return projects
