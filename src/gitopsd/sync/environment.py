"""What the reconciler needs from the world, as one Protocol, and its settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from gitopsd.health import HealthAssessor
from gitopsd.model.filters import ResourceFilters
from gitopsd.ports import ClusterPort
from gitopsd.project import ApplicationNamespaces, Project
from gitopsd.render import GeneratedManifests, RenderContext
from gitopsd.spec import ApplicationSpec, Destination, IgnoreDifference
from gitopsd.sync.compare import DryRunMemo
from gitopsd.sync.decide import SelfHealBackoff

DEFAULT_CONTROL_NAMESPACE = "gitopsd"


class Environment(Protocol):
    def cluster_for(self, destination: Destination) -> tuple[ClusterPort, str]:
        """The destination's cluster and its canonical server URL; SpecError if unknown."""
        ...

    def generate(
        self,
        spec: ApplicationSpec,
        context: RenderContext,
        revisions: list[str] | None,
        *,
        fresh: bool = False,
    ) -> GeneratedManifests:
        """Render; ``fresh`` asks Git for the branch heads again."""
        ...

    def projects(self, namespace: str) -> Mapping[str, Project]:
        """The AppProjects in ``namespace`` (the reconciler asks for the control plane's)."""
        ...

    def assessor(self) -> HealthAssessor: ...

    def memo_for(self, server: str) -> DryRunMemo: ...


@dataclass(frozen=True)
class ReconcileSettings:
    global_ignore_differences: tuple[IgnoreDifference, ...] = ()
    # resource.exclusions / inclusions: kinds never applied, compared, pruned or scanned.
    resource_filters: ResourceFilters = field(default_factory=ResourceFilters)
    self_heal_backoff: SelfHealBackoff = field(default_factory=SelfHealBackoff)
    # How soon to come back while an operation runs (waves, hooks, health).
    operation_poll_seconds: float = 1.0
    # The control-plane namespace (home of the AppProjects) and where else Applications
    # may live; an Application elsewhere, or outside its project's sourceNamespaces, is
    # refused before anything is rendered.
    app_namespaces: ApplicationNamespaces = field(
        default_factory=lambda: ApplicationNamespaces(DEFAULT_CONTROL_NAMESPACE)
    )
    # An attempt of an operation running longer than this ends Failed (0: never).
    operation_timeout_seconds: float = 3600.0
    # Entries of gitopsd-cm that were refused (the last good values are in use), reported
    # as a condition on every application.
    config_problems: tuple[str, ...] = ()
