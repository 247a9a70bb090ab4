"""What one reconcile pass knows about its Application, gathered once and handed to every
stage (so stages take one argument instead of a dozen).

:class:`Subject` is whose objects a pass looks at and where: the parsed spec, the
AppProject, the destination cluster and the inventory. Loading builds it
(``sync/reconcile/loading.py``), and so does deletion (``sync/deleting.py``), so both
work on the same value. :class:`Pass` adds the bookkeeping of one pass (time, the
previous status, the operation, events and conditions); what the assessment finds
travels separately, as the :class:`~gitopsd.sync.reconcile.assess.Assessment` the stage
returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gitopsd.model.keys import ResourceKey
from gitopsd.ports import ClusterPort
from gitopsd.project import Project
from gitopsd.spec import ApplicationSpec
from gitopsd.status import Condition


@dataclass(frozen=True)
class AppEvent:
    type: str  # Normal | Warning
    reason: str
    message: str


@dataclass(frozen=True)
class Subject:
    """One Application's objects: under which spec and project, in which cluster, and
    what its last status listed (the inventory; excluded kinds already left out)."""

    app_namespace: str
    app_name: str
    spec: ApplicationSpec
    project: Project
    cluster: ClusterPort
    server: str  # the destination cluster's canonical URL
    inventory: frozenset[ResourceKey] = frozenset()

    @property
    def key(self) -> tuple[str, str]:
        return self.app_namespace, self.app_name


@dataclass
class Pass:
    """One pass over one Application. Filled stage by stage by the reconciler."""

    app: dict[str, Any]
    subject: Subject
    previous: dict[str, Any]
    now: dt.datetime
    stamp: str
    events: list[AppEvent] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    operation: dict[str, Any] | None = None
    op_state: dict[str, Any] | None = None
    finished: bool = False  # an operation ended in this pass
    come_back_in: float | None = None  # e.g. when a self-heal back-off ends
    fresh: bool = False  # ask Git again instead of reusing a recent ls-remote answer

    @property
    def spec(self) -> ApplicationSpec:
        return self.subject.spec

    @property
    def raw_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = self.app.get("spec") or {}
        return spec

    @property
    def key(self) -> tuple[str, str]:
        return self.subject.key
