"""What a reconcile pass hands back to its caller, and how a stage ends a pass early.

:class:`ReconcileResult` is everything the operator writes or reports after a pass: the
new status, the events, when to look again, whether to clear ``operation``, which
finalizers to release, whether an operation ended, and the :class:`MetricFacts` its
metrics need, so the controller never parses the spec again nor reaches into the
reconciler. A stage that must end the pass raises :class:`Stop` carrying the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitopsd.spec import ApplicationSpec, raw_sources
from gitopsd.sync.passes import AppEvent


@dataclass(frozen=True)
class MetricFacts:
    """The labels and values the controller's metrics need about one Application."""

    project: str
    repo: str  # the first source's repository URL
    destination: str  # the destination as written: its server URL, else its name
    destination_namespace: str
    automated: bool  # automated sync is on
    orphans: int | None = None  # orphaned resources, when the project watches for them

    @classmethod
    def of(cls, spec: ApplicationSpec, orphans: int | None = None) -> MetricFacts:
        destination = spec.destination
        return cls(
            project=spec.project,
            repo=spec.sources[0].repo_url if spec.sources else "",
            destination=destination.server or destination.name,
            destination_namespace=destination.namespace,
            automated=spec.sync_policy.automated is not None,
            orphans=orphans,
        )

    @classmethod
    def unparsed(cls, raw_spec: Mapping[str, Any]) -> MetricFacts:
        """The same labels for a spec that could not be parsed (the Application is still
        counted, as Unknown, under the project and destination it names)."""
        destination = raw_spec.get("destination") or {}
        sources = raw_sources(raw_spec)
        return cls(
            project=str(raw_spec.get("project") or "default"),
            repo=str(sources[0].get("repoURL") or "") if sources else "",
            destination=str(destination.get("server") or destination.get("name") or ""),
            destination_namespace=str(destination.get("namespace") or ""),
            automated=bool((raw_spec.get("syncPolicy") or {}).get("automated")),
        )


@dataclass
class ReconcileResult:
    status: dict[str, Any]
    events: list[AppEvent] = field(default_factory=list)
    requeue_after: float | None = None
    clear_operation: bool = False
    remove_finalizers: tuple[str, ...] = ()
    synced: bool = False  # an operation ended in this pass (for metrics)
    sync_phase: str = ""
    failed: bool = False  # the pass could not do its work (Git, render, cluster): back off
    facts: MetricFacts | None = None


class Stop(Exception):
    """A stage ended the pass early with this result."""

    def __init__(self, result: ReconcileResult) -> None:
        super().__init__()
        self.result = result
