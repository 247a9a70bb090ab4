"""The sync stage: one pass of the running operation, if there is one.

A new operation is only recorded in its first pass (its ``startedAt``, and so its sync id,
is written before any hook exists); later passes wait for a retry's back-off, make sure
the destination namespace exists (``CreateNamespace``), work out what may be pruned, run
one step of the plan (``sync/operation.py: run_pass``), record the results, retry a
failure when ``syncPolicy.retry`` allows, and once the operation ends compare again so
the status reports its effect, then ask for a pass right away that compares with Git's
latest revision (the operation's own passes are pinned to the revision it began with).
A requested sync whose ``syncOptions`` cannot be read ends in ``Error`` naming them
before it starts. Called by the reconciler.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from gitopsd.errors import ClusterError
from gitopsd.model.sync_options import SyncOptions
from gitopsd.model.vocab import OperationPhase
from gitopsd.sync import ending
from gitopsd.sync import operation_state as opstate
from gitopsd.sync.environment import Environment, ReconcileSettings
from gitopsd.sync.namespace import ensure_namespace, wanted_namespace
from gitopsd.sync.operation import OperationContext, run_pass
from gitopsd.sync.passes import AppEvent, Pass
from gitopsd.sync.prune import PruneRequest
from gitopsd.sync.reconcile import endings
from gitopsd.sync.reconcile.assess import Assessment, Refusal, compare_live
from gitopsd.sync.reconcile.memory import AppMemory
from gitopsd.sync.reconcile.result import ReconcileResult


@dataclass(frozen=True)
class Operating:
    """What the sync stage works with besides the pass itself."""

    env: Environment
    settings: ReconcileSettings
    memory: AppMemory


def sync(p: Pass, seen: Assessment, result: ReconcileResult, ops: Operating) -> Assessment:
    """Run one pass of the operation, if there is one; returns the assessment to report
    (compared again when the operation ended in this pass)."""
    if p.operation is None:
        return seen
    if _refuse_unreadable_options(p, result):
        return seen
    wait, seen = _run(p, seen, ops)
    result.sync_phase = str((p.op_state or {}).get("phase", ""))
    result.synced = wait is None
    result.requeue_after = wait
    return seen


def _refuse_unreadable_options(p: Pass, result: ReconcileResult) -> bool:
    assert p.operation is not None
    problems = opstate.operation_sync_options(p.operation)[1]
    if not problems:
        return False
    refused = "; ".join(problem.at("operation.sync.syncOptions") for problem in problems)
    ended = ending.not_started(p.app, refused, p.stamp)
    if ended is None:
        return False  # already running: its unknown options were ignored when recorded
    p.op_state, p.operation = ended.state, None
    p.events.append(ended.event)
    result.clear_operation = ended.clear_request
    result.synced, result.sync_phase = True, ended.phase
    return True


def _run(p: Pass, seen: Assessment, ops: Operating) -> tuple[float | None, Assessment]:
    """How soon to come back (None: the operation has ended), and what to report."""
    assert p.operation is not None
    fresh = not opstate.is_continuation(p.op_state, p.operation)
    state = opstate.start_or_continue(p.operation, p.op_state, p.stamp)
    p.op_state = state
    if state.get("phase") != OperationPhase.RUNNING:
        return None, seen
    if fresh:
        # Record the operation, and so its sync id, before anything is created: a
        # controller that dies after this pass finds the same id and adopts the hooks
        # it made instead of running them again.
        message = opstate.describe(p.operation, seen.generated)
        p.events.append(AppEvent("Normal", "OperationStarted", message))
        return 0.0, seen
    retry_in = opstate.waiting_for_retry(state, p.now)
    if retry_in is not None:
        return retry_in, seen
    ctx = _context(p, seen, ops)
    outcome = run_pass(
        p.subject.cluster,
        seen.desired,
        seen.comparison,
        seen.hooks_live,
        opstate.previous_results(state),
        ctx,
        memo=ops.env.memo_for(p.subject.server),
        assessor=ops.env.assessor(),
    )
    p.op_state = opstate.record_pass(state, outcome, seen.generated, p.spec, p.stamp)
    if outcome.phase == OperationPhase.SUCCEEDED and ctx.prune is None and _prunes(p):
        p.op_state["message"] = (
            f"{outcome.message}; nothing was pruned: the render is empty and allowEmpty is false"
        )
    if outcome.phase == OperationPhase.RUNNING:
        return ops.settings.operation_poll_seconds, seen
    p.op_state, retry_delay = opstate.maybe_retry(p.op_state, p.spec, p.now, p.stamp)
    if retry_delay is not None:
        message = str(p.op_state.get("message", ""))
        p.events.append(AppEvent("Warning", "OperationRetry", message))
        return retry_delay, seen
    p.finished = True
    seen = _compare_again(p, seen, ops)  # report the operation's effect, not what preceded it
    # The operation's passes render the revision it was started with and never ask Git,
    # so a push or refresh answered by one of them was not looked at: come back at once
    # to compare with the latest revision (Argo CD refreshes after an operation too).
    p.come_back_in = 0.0
    kind = "Normal" if outcome.phase == OperationPhase.SUCCEEDED else "Warning"
    text = f"sync {outcome.phase}: {outcome.message}"
    p.events.append(AppEvent(kind, "OperationCompleted", text))
    return None, seen


def _context(p: Pass, seen: Assessment, ops: Operating) -> OperationContext:
    """The operation's context for this pass; ensures the destination namespace and
    remembers when a ``Prune=confirm`` confirmation was first needed."""
    assert p.operation is not None and p.op_state is not None
    sync_body = p.operation.get("sync") or {}
    dry_run = bool(sync_body.get("dryRun"))
    # The operation's options override the Application's; objects' annotations go on top.
    options = p.spec.sync_policy.sync_options.overridden_by(
        opstate.operation_sync_options(p.operation)[0]
    )
    _ensure_namespace(p, seen, options, dry_run=dry_run)
    prune = _prune_request(p, seen, options, ops.memory)
    return OperationContext(
        sync_id=opstate.sync_id(p.op_state),
        app_options=options,
        dry_run=dry_run,
        selected=opstate.selected_resources(p.operation),
        shared=seen.shared,
        ignore_rules=p.spec.ignore_differences + ops.settings.global_ignore_differences,
        now=p.now,
        prune=prune,
    )


def _prune_request(
    p: Pass, seen: Assessment, options: SyncOptions, memory: AppMemory
) -> PruneRequest | None:
    """What may be pruned. ``Prune=confirm``: an approval counts only when newer than the
    need for it, so the moment the need first appeared is remembered (in memory: after a
    restart a fresh approval is asked for, the safe direction)."""
    assert p.operation is not None
    request = opstate.prune_request(
        p.operation,
        p.spec,
        seen.desired,
        seen.comparison,
        p.subject.inventory,
        p.app["metadata"],
        p.now,
        options=options,
        required_since=memory.prune_needed_since(p.key),
        refused=seen.refused,
    )
    pending = request is not None and request.confirmation_pending
    memory.confirmation_pending(p.key, p.now, pending=pending)
    return request


def _ensure_namespace(p: Pass, seen: Assessment, options: SyncOptions, *, dry_run: bool) -> None:
    namespace = wanted_namespace(p.spec, options, seen.desired)
    if namespace is None or dry_run:
        return
    try:
        ensure_namespace(p.subject.cluster, namespace)
    except ClusterError as error:
        p.events.append(AppEvent("Warning", "CreateNamespaceFailed", str(error)))


def _compare_again(p: Pass, seen: Assessment, ops: Operating) -> Assessment:
    compared = compare_live(p.subject, seen.desired, ops.env, ops.settings)
    if isinstance(compared, Refusal):
        refusal = dataclasses.replace(compared, revisions=seen.revisions)
        raise endings.refused(p.app, refusal, now=p.now, stamp=p.stamp, settings=ops.settings)
    comparison, hooks_live = compared
    return dataclasses.replace(seen, comparison=comparison, hooks_live=hooks_live)


def _prunes(p: Pass) -> bool:
    assert p.operation is not None
    return bool((p.operation.get("sync") or {}).get("prune"))
