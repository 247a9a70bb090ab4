"""Which operation a pass runs: a requested one the sync windows allow, or an automated
sync started by Argo CD's rules (:func:`gitopsd.sync.decide.decide_auto_sync`).

- :func:`refuse_blocked_manual_sync`: a requested, not yet running sync outside the
  project's sync windows is refused (condition and Warning event);
- :func:`decide_sync`: with ``syncPolicy.automated``, start a sync when the Application is
  OutOfSync and the windows allow it; never for an empty render without ``allowEmpty``;
  self-heal attempts back off, remembered in :class:`AppMemory`.

Called by the reconciler after the assessment.
"""

from __future__ import annotations

from gitopsd.model.vocab import OperationPhase, SyncStatus
from gitopsd.project import WindowDecision, sync_window_decision
from gitopsd.status import Condition
from gitopsd.status import conditions as cond
from gitopsd.sync import operation_state as opstate
from gitopsd.sync.decide import decide_auto_sync
from gitopsd.sync.environment import ReconcileSettings
from gitopsd.sync.passes import AppEvent, Pass
from gitopsd.sync.reconcile.assess import Assessment, short
from gitopsd.sync.reconcile.memory import AppMemory
from gitopsd.sync.reconcile.report import drift_summary


def window(p: Pass, *, manual: bool) -> WindowDecision:
    subject = p.subject
    return sync_window_decision(
        subject.project,
        app_name=subject.app_name,
        namespace=subject.spec.destination.namespace,
        cluster=subject.server,
        now=p.now,
        manual=manual,
    )


def refuse_blocked_manual_sync(p: Pass) -> None:
    """A requested (not yet running) sync outside its windows is refused."""
    running = (p.op_state or {}).get("phase") == OperationPhase.RUNNING
    if p.operation is None or running:
        return
    decision = window(p, manual=True)
    if not decision.allowed:
        p.conditions.append(Condition(cond.SYNC_WINDOW, decision.reason))
        p.events.append(AppEvent("Warning", cond.SYNC_WINDOW, decision.reason))
        p.operation = None


def decide_sync(p: Pass, seen: Assessment, memory: AppMemory, settings: ReconcileSettings) -> None:
    """Start an automated sync when Argo CD's rules and the sync windows allow it."""
    automated = p.spec.sync_policy.automated
    if p.operation is not None or automated is None:
        return
    out_of_sync = seen.comparison.sync_status == SyncStatus.OUT_OF_SYNC
    decision_window = window(p, manual=False)
    if not decision_window.allowed:
        if out_of_sync:
            p.conditions.append(Condition(cond.SYNC_WINDOW, decision_window.reason))
        return
    if out_of_sync and not seen.desired.resources and not automated.allow_empty:
        message = (
            f"skipping automated sync to {short(seen.revisions)}: it renders no resources, "
            "and with allowEmpty false an automated sync never deletes everything"
        )
        p.conditions.append(Condition(cond.SYNC_ERROR, message))
        return
    heal = memory.self_heal(p.key)
    decision = decide_auto_sync(
        p.spec,
        out_of_sync=out_of_sync,
        target_revisions=list(seen.revisions),
        target_sources=p.spec.source_bodies(),
        last_operation=p.op_state,
        desired_count=len(seen.desired.resources),
        self_heal_attempts=heal.attempts,
        last_self_heal_at=heal.last_at,
        now=p.now,
        backoff=settings.self_heal_backoff,
    )
    if not decision.start:
        if decision.wait_seconds > 0:
            p.come_back_in = decision.wait_seconds  # heal when the back-off ends
        return
    if decision.self_heal:
        memory.healed(p.key, p.now)
        summary = drift_summary(seen.comparison)
        p.events.append(AppEvent("Normal", "SelfHeal", f"healing drift: {summary}"))
    p.operation = opstate.new_operation(
        revisions=list(seen.revisions), prune=automated.prune, automated=True
    )
