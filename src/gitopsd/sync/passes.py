"""What one reconcile pass knows about its Application, gathered once and handed to
every stage (so stages take one argument instead of a dozen)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gitopsd.desired import DesiredSet
from gitopsd.diff import Comparison
from gitopsd.model.keys import ResourceKey
from gitopsd.ports import ClusterPort
from gitopsd.project import Project
from gitopsd.render import GeneratedManifests
from gitopsd.spec import ApplicationSpec
from gitopsd.status import Condition
from gitopsd.sync.live import LiveState


@dataclass(frozen=True)
class AppEvent:
    type: str  # Normal | Warning
    reason: str
    message: str


@dataclass
class Pass:
    """One pass over one Application. Filled stage by stage by the reconciler."""

    app: dict[str, Any]
    namespace: str
    name: str
    previous: dict[str, Any]
    now: dt.datetime
    stamp: str
    spec: ApplicationSpec
    project: Project
    cluster: ClusterPort
    server: str
    events: list[AppEvent] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    generated: GeneratedManifests | None = None
    desired: DesiredSet | None = None
    inventory: frozenset[ResourceKey] = frozenset()
    # Inventory entries the project does not permit, with why: never pruned or deleted.
    refused: dict[ResourceKey, str] = field(default_factory=dict)
    comparison: Comparison | None = None
    hooks_live: LiveState = field(default_factory=dict)
    operation: dict[str, Any] | None = None
    op_state: dict[str, Any] | None = None
    shared: frozenset[ResourceKey] = frozenset()
    finished: bool = False  # an operation ended in this pass
    come_back_in: float | None = None  # e.g. when a self-heal back-off ends
    fresh: bool = False  # ask Git again instead of reusing a recent ls-remote answer

    @property
    def raw_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = self.app.get("spec") or {}
        return spec

    @property
    def key(self) -> tuple[str, str]:
        return self.namespace, self.name
