"""The reconciler: one pass over one Application, in the order data flows.

    load spec, project, cluster → end a terminated or overdue operation → sync windows
    → assess (Git + render → desired set + project checks → live state and compare)
    → decide an automated sync → run one pass of the operation → orphaned resources
    → status, events and the metrics' facts

Each stage is a small module of this package; this class only calls them in order.
Nothing here talks to a library directly: the cluster is a ``ClusterPort``, Git and
rendering come through the ``Environment``. A failed fetch or render ends the pass with a
condition and the previous resources untouched, so it can never lead to pruning. What the
reconciler remembers between passes is in one :class:`AppMemory`. Called by the operator
(one call per queued Application), the engine scenarios and the benchmarks.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from gitopsd.model.times import format_time
from gitopsd.model.vocab import SyncStatus
from gitopsd.ports import Clock
from gitopsd.sync.deleting import Release, deletion_scope
from gitopsd.sync.deletion import run_resources_finalizer
from gitopsd.sync.environment import Environment, ReconcileSettings
from gitopsd.sync.operation_state import last_known_revisions, revisions_of
from gitopsd.sync.passes import Pass
from gitopsd.sync.reconcile import automation, endings, operating
from gitopsd.sync.reconcile.assess import Assessment, Refusal, Render, assess
from gitopsd.sync.reconcile.loading import load_subject, new_pass
from gitopsd.sync.reconcile.memory import AppMemory
from gitopsd.sync.reconcile.orphans import check_orphans
from gitopsd.sync.reconcile.report import build_status
from gitopsd.sync.reconcile.result import MetricFacts, ReconcileResult, Stop


class Reconciler:
    def __init__(self, env: Environment, clock: Clock, settings: ReconcileSettings) -> None:
        self.env = env
        self.clock = clock
        self.settings = settings
        self.memory = AppMemory()

    def reconcile(self, app: dict[str, Any]) -> ReconcileResult:
        facts = MetricFacts.unparsed(app.get("spec") or {})
        try:
            if (app.get("metadata") or {}).get("deletionTimestamp"):
                # Deletion runs before (and without) spec validation: it must complete.
                return self._delete(app)
            p = self._load(app)
            facts = MetricFacts.of(p.spec)
            endings.end_if_asked_or_overdue(p, self.settings)
            automation.refuse_blocked_manual_sync(p)
            seen = self._assess(p)
            automation.decide_sync(p, seen, self.memory, self.settings)
            result = ReconcileResult(status={}, clear_operation=bool(app.get("operation")))
            seen = operating.sync(p, seen, result, self._operating())
            orphans = check_orphans(p, self.memory, self.settings)
        except Stop as stop:
            stop.result.facts = stop.result.facts or facts
            return stop.result
        result.status = build_status(p, seen)
        result.events = p.events
        result.facts = MetricFacts.of(p.spec, orphans)
        if p.come_back_in is not None and result.requeue_after is None:
            result.requeue_after = p.come_back_in
        return result

    def forget(self, namespace: str, name: str) -> None:
        """The Application is gone: drop what was remembered about it."""
        self.memory.forget((namespace, name))

    # --- stages -----------------------------------------------------------------------
    def _load(self, app: dict[str, Any]) -> Pass:
        now = self.clock.now()
        subject = load_subject(app, self.env, self.settings)
        if isinstance(subject, Refusal):
            raise self._refused(app, subject, now)
        return new_pass(app, subject, now, self.settings)

    def _assess(self, p: Pass) -> Assessment:
        """Git, render, desired set, project checks, live state and comparison."""
        operation = p.operation
        render = Render(
            revisions=revisions_of(operation) if operation else None,
            fresh=p.fresh,
            # During a Git outage, an application with no operation is compared with (and
            # self-healed to) the last revision it knew.
            last_known=None if operation else last_known_revisions(p.previous),
        )
        seen = assess(p.subject, self.env, self.settings, render)
        if isinstance(seen, Refusal):
            raise self._refused(p.app, seen, p.now)
        p.conditions.extend(seen.conditions)
        if seen.comparison.sync_status == SyncStatus.SYNCED:
            self.memory.in_sync(p.key)
        return seen

    def _operating(self) -> operating.Operating:
        return operating.Operating(self.env, self.settings, self.memory)

    def _delete(self, app: dict[str, Any]) -> ReconcileResult:
        """The resources finalizer: delete what we own, then release the Application.
        Nothing to clean up, or no cluster left to clean it up in, releases it at once."""
        previous = copy.deepcopy(app.get("status") or {})
        scope = deletion_scope(app, self.env, self.settings.app_namespaces)
        if isinstance(scope, Release):
            return ReconcileResult(previous, scope.events, remove_finalizers=scope.finalizers)
        outcome = run_resources_finalizer(app, scope)
        return ReconcileResult(
            status=previous,
            events=list(outcome.events),
            requeue_after=outcome.requeue_after,
            remove_finalizers=outcome.remove_finalizers,
            facts=MetricFacts.of(scope.spec),
        )

    def _refused(self, app: dict[str, Any], refusal: Refusal, now: dt.datetime) -> Stop:
        return endings.refused(
            app, refusal, now=now, stamp=format_time(now), settings=self.settings
        )
