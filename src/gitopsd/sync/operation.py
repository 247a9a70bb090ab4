"""One pass of a sync operation: apply the first unfinished wave, or finish.

The order of a sync is the plan's (``gitopsd.plan``): phase, wave, kind, name. Each pass
applies the first step that is not yet synced and healthy (creating its hooks), then
returns ``Running``; the next step starts only on a later pass, when this one is done. A
failed step runs the ``SyncFail`` hooks and ends the operation ``Failed``. When every step
is done, the prune set is deleted (reverse order) and the operation ``Succeeded``.
Because every decision is re-derived from live state and the results recorded so far, a
restarted controller resumes an operation without doing anything twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from gitopsd.desired import DesiredObject, DesiredSet
from gitopsd.diff import respect_ignored
from gitopsd.errors import ClusterError
from gitopsd.health import HealthAssessor
from gitopsd.model.annotations import (
    OPT_FAIL_ON_SHARED,
    OPT_RESPECT_IGNORE_DIFFERENCES,
    TRACKING_ID_ANNOTATION,
)
from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import OperationPhase, ResultCode, SyncPhase
from gitopsd.plan import (
    HookState,
    ObjectState,
    Step,
    next_step,
    plan_steps,
    step_failed,
    sync_fail_steps,
)
from gitopsd.ports import ClusterPort
from gitopsd.spec import IgnoreDifference
from gitopsd.sync import hooks as hook_util
from gitopsd.sync.apply import apply_object, unknown_kind_reason
from gitopsd.sync.compare import Comparison, DryRunMemo
from gitopsd.sync.live import LiveState
from gitopsd.sync.prune import PruneOutcome, PruneRequest, prune
from gitopsd.sync.results import ResourceResult

RECREATED = "recreated hook"  # the message of a hook created again after its leftover went


@dataclass(frozen=True)
class OperationContext:
    sync_id: str
    app_options: Mapping[str, str]
    dry_run: bool = False
    selected: frozenset[ResourceKey] | None = None  # operation.sync.resources
    prune: PruneRequest | None = None  # None: no pruning in this operation
    # Objects another application also tracks (FailOnSharedResource refuses them).
    shared: frozenset[ResourceKey] = frozenset()
    # ignoreDifferences rules, kept at apply time with RespectIgnoreDifferences=true.
    ignore_rules: tuple[IgnoreDifference, ...] = ()
    now: dt.datetime | None = None  # for hook timeouts


@dataclass(frozen=True)
class PassOutcome:
    phase: OperationPhase
    message: str
    results: tuple[ResourceResult, ...]


def run_pass(
    cluster: ClusterPort,
    desired: DesiredSet,
    comparison: Comparison,
    hooks_live: LiveState,
    previous: list[ResourceResult],
    ctx: OperationContext,
    *,
    memo: DryRunMemo,
    assessor: HealthAssessor,
) -> PassOutcome:
    if ctx.dry_run:
        return _dry_run(cluster, desired, comparison, ctx, memo)
    steps = _selected_steps(plan_steps(desired), ctx.selected)
    states = _object_states(comparison)
    hook_states, finished = _hook_states(
        desired, hooks_live, previous, ctx.sync_id, assessor, ctx.now
    )
    results: list[ResourceResult] = list(finished)
    _delete_finished_hooks(cluster, desired, hooks_live, hook_states, ctx.sync_id)
    for planned in steps:
        failure = step_failed(planned, states, hook_states)
        if failure:
            return _fail(cluster, desired, hooks_live, ctx, failure, results)
    step = next_step(steps, states, hook_states)
    if step is not None and step is steps[-1] and _applied(step, states, hook_states):
        # Health gates the next wave; after the last one there is nothing to gate, so the
        # operation ends once everything is applied (health is reported, not awaited).
        step = None
    if ctx.prune is not None and (step is None or step.phase == SyncPhase.POST_SYNC):
        # Every PreSync and Sync step is done: prune (idempotent, so repeating it on the
        # passes that wait for PostSync costs one DELETE per object still terminating).
        outcome = prune(cluster, ctx.prune, last=False)
        if step is None:
            last = prune(cluster, ctx.prune, last=True)
            outcome = PruneOutcome(
                outcome.results + last.results, outcome.failed_keys | last.failed_keys
            )
        results.extend(outcome.results)
        if outcome.failed:
            return PassOutcome(OperationPhase.FAILED, outcome.message, tuple(results))
    if step is None:
        return PassOutcome(OperationPhase.SUCCEEDED, "successfully synced", tuple(results))
    recreating = frozenset(r.key for r in previous if r.code == ResultCode.RECREATING)
    pending = _Pending(recreating, _kinds_defined_up_to(steps, step))
    return _run_step(cluster, desired, comparison, hooks_live, step, ctx, memo, results, pending)


@dataclass(frozen=True)
class _Pending:
    """What earlier passes of this operation left in progress."""

    recreating: frozenset[ResourceKey]  # hooks whose earlier copy was being deleted
    defined_kinds: frozenset[tuple[str, str]]  # (group, kind) of CRDs applied so far


def _kinds_defined_up_to(steps: tuple[Step, ...], current: Step) -> frozenset[tuple[str, str]]:
    """Kinds whose CustomResourceDefinition is applied in ``current`` or an earlier step:
    only their objects may wait for the kind to be served."""
    defined = set()
    for step in steps:
        for item in step.apply:
            if item.key.kind == "CustomResourceDefinition":
                spec = item.obj.get("spec") or {}
                kind = str((spec.get("names") or {}).get("kind") or "")
                defined.add((str(spec.get("group") or ""), kind))
        if step is current:
            break
    return frozenset(defined)


def _applied(
    step: Step, states: Mapping[ResourceKey, ObjectState], hooks: Mapping[ResourceKey, HookState]
) -> bool:
    objects_applied = all(
        (state := states.get(item.key)) is not None and state.exists and state.in_sync
        for item in step.apply
    )
    hooks_done = all(
        (hook := hooks.get(item.key)) is not None and hook.phase == hook_util.SUCCEEDED
        for item in step.hooks
    )
    return objects_applied and hooks_done


def _run_step(
    cluster: ClusterPort,
    desired: DesiredSet,
    comparison: Comparison,
    hooks_live: LiveState,
    step: Step,
    ctx: OperationContext,
    memo: DryRunMemo,
    results: list[ResourceResult],
    pending: _Pending,
) -> PassOutcome:
    for item in step.apply:
        options = {**ctx.app_options, **item.sync_options}
        compared = comparison.get(item.key)
        if item.key in ctx.shared and options.get(OPT_FAIL_ON_SHARED) == "true":
            message = f"{item.key}: is also tracked by another application (FailOnSharedResource)"
            results.append(ResourceResult(item.key, ResultCode.FAILED, message, step.phase))
            continue
        if options.get(OPT_RESPECT_IGNORE_DIFFERENCES) == "true" and compared is not None:
            kept = respect_ignored(item.obj, compared.live, ctx.ignore_rules, item.key)
            item = replace(item, obj=kept)  # noqa: PLW2901 - the object to apply instead
        awaited = (item.key.group, item.key.kind) in pending.defined_kinds
        results.append(
            apply_object(
                cluster, item, compared, options, memo, phase=step.phase, kind_awaited=awaited
            )
        )
    for item in step.hooks:
        recreate = item.key in pending.recreating
        live = hooks_live.get(item.key)
        results.extend(_start_hook(cluster, item, live, ctx.sync_id, step, recreate=recreate))
    failed = [r for r in results if r.failed]
    if failed:
        return _fail(cluster, desired, hooks_live, ctx, failed[0].message, results)
    return PassOutcome(
        OperationPhase.RUNNING,
        f"waiting for {step.phase} wave {step.wave} ({len(step.wait)} resources)",
        tuple(results),
    )


def _start_hook(
    cluster: ClusterPort,
    item: DesiredObject,
    live: dict[str, Any] | None,
    sync_id: str,
    step: Step,
    *,
    recreate: bool = False,
) -> list[ResourceResult]:
    if hook_util.belongs_to(live, sync_id):
        return []  # already created by this operation: wait for it
    if item.unknown_kind:
        # Its scope is unknown, so no project check could pass it, and nothing in this
        # sync brings the kind: the hook fails rather than waiting forever. The message
        # names the hook, as every failed object's does (it becomes the operation's).
        reason = f"{item.key}: {unknown_kind_reason(item)}"
        return [_hook_result(item, step, ResultCode.FAILED, hook_util.FAILED, reason)]
    if live is not None and _tracking_id(live) != _tracking_id(item.obj):
        message = _name_taken(item.key, live)
        return [_hook_result(item, step, ResultCode.FAILED, hook_util.FAILED, message)]
    try:
        if live is not None:
            # A leftover of an earlier operation: BeforeHookCreation semantics (the only
            # sane choice when the name is taken), then create on a later pass.
            cluster.delete(item.key, propagation="Background")
            message = "deleting the copy an earlier operation left, to recreate the hook"
            return [_hook_result(item, step, ResultCode.RECREATING, hook_util.PENDING, message)]
        cluster.create(hook_util.with_sync_id(item, sync_id))
    except ClusterError as error:
        return [_hook_result(item, step, ResultCode.FAILED, hook_util.FAILED, str(error))]
    message = RECREATED if recreate else ""
    return [_hook_result(item, step, ResultCode.CREATED, hook_util.RUNNING, message)]


def _name_taken(key: ResourceKey, live: dict[str, Any]) -> str:
    """Why a hook cannot be created under its name, and how to resolve it."""
    owner = _tracking_id(live)
    held_by = (
        f"it belongs to application {owner.split(':', 1)[0].replace('_', '/', 1)}"
        if owner
        else "it is not managed by gitopsd"
    )
    return (
        f"{key}: the name is taken by an object this application does not own ({held_by}); "
        f"delete that object or give the hook another name"
    )


def _tracking_id(obj: dict[str, Any]) -> str | None:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(TRACKING_ID_ANNOTATION)
    return None if value is None else str(value)


def _hook_result(
    item: DesiredObject, step: Step, code: ResultCode, hook_phase: str, message: str = ""
) -> ResourceResult:
    return ResourceResult(
        key=item.key,
        code=code,
        message=message,
        phase=step.phase,
        wave=item.wave,
        hook=item.hook,
        hook_phase=hook_phase,
    )


def _hook_states(
    desired: DesiredSet,
    hooks_live: LiveState,
    previous: list[ResourceResult],
    sync_id: str,
    assessor: HealthAssessor,
    now: dt.datetime | None = None,
) -> tuple[dict[ResourceKey, HookState], list[ResourceResult]]:
    """Hook phases from live objects, falling back to what earlier passes recorded (a hook
    deleted by HookSucceeded is gone from the cluster but done)."""
    recorded = {
        r.key: r for r in previous if r.hook is not None and r.hook_phase in ("Succeeded", "Failed")
    }
    recreated = {r.key for r in previous if r.hook is not None and r.message == RECREATED}
    states: dict[ResourceKey, HookState] = {}
    finished: list[ResourceResult] = []
    for item in desired.hooks:
        live = hooks_live.get(item.key)
        phase, message = hook_util.hook_phase(live, sync_id, assessor, now)
        if phase == hook_util.PENDING and item.key in recorded:
            phase, message = recorded[item.key].hook_phase, recorded[item.key].message
        states[item.key] = HookState(key=item.key, phase=phase, message=message)
        if phase in (hook_util.SUCCEEDED, hook_util.FAILED):
            finished.append(
                ResourceResult(
                    key=item.key,
                    code=ResultCode.CREATED if phase == hook_util.SUCCEEDED else ResultCode.FAILED,
                    message=message
                    if phase == hook_util.FAILED
                    else (RECREATED if item.key in recreated else ""),
                    phase=_phase_of(item),
                    wave=item.wave,
                    hook=item.hook,
                    hook_phase=phase,
                )
            )
    return states, finished


def _delete_finished_hooks(
    cluster: ClusterPort,
    desired: DesiredSet,
    hooks_live: LiveState,
    states: Mapping[ResourceKey, HookState],
    sync_id: str,
) -> None:
    """HookSucceeded / HookFailed: remove this operation's finished hooks."""
    for item in desired.hooks:
        live = hooks_live.get(item.key)
        state = states.get(item.key)
        if live is None or state is None or not hook_util.belongs_to(live, sync_id):
            continue
        if hook_util.delete_after(item, state.phase):
            try:
                cluster.delete(item.key, propagation="Background")
            except ClusterError:
                continue  # retried on the next pass


def _phase_of(item: DesiredObject) -> SyncPhase:
    return SyncPhase(str(item.hook)) if item.hook else SyncPhase.SYNC


def _object_states(comparison: Comparison) -> dict[ResourceKey, ObjectState]:
    return {
        c.key: ObjectState(
            key=c.key,
            in_sync=c.in_sync,
            health=c.health.status if c.health else None,
            exists=c.live is not None,
        )
        for c in comparison.objects
        if c.desired is not None
    }


def _selected_steps(
    steps: tuple[Step, ...], selected: frozenset[ResourceKey] | None
) -> tuple[Step, ...]:
    if selected is None:
        return steps
    kept = []
    for step in steps:
        apply = tuple(i for i in step.apply if i.key in selected)
        wait = tuple(k for k in step.wait if k in selected)
        if apply or wait:
            kept.append(Step(phase=step.phase, wave=step.wave, apply=apply, hooks=(), wait=wait))
    return tuple(kept)


def _fail(
    cluster: ClusterPort,
    desired: DesiredSet,
    hooks_live: LiveState,
    ctx: OperationContext,
    message: str,
    results: list[ResourceResult],
) -> PassOutcome:
    for step in sync_fail_steps(desired):
        for item in step.hooks:
            results.extend(_start_hook(cluster, item, hooks_live.get(item.key), ctx.sync_id, step))
    return PassOutcome(OperationPhase.FAILED, message, tuple(results))


def _dry_run(
    cluster: ClusterPort,
    desired: DesiredSet,
    comparison: Comparison,
    ctx: OperationContext,
    memo: DryRunMemo,
) -> PassOutcome:
    results = []
    for item in desired.resources:
        if ctx.selected is not None and item.key not in ctx.selected:
            continue
        options = {**ctx.app_options, **item.sync_options}
        results.append(
            apply_object(cluster, item, comparison.get(item.key), options, memo, dry_run=True)
        )
    failed = [r for r in results if r.failed]
    phase = OperationPhase.FAILED if failed else OperationPhase.SUCCEEDED
    message = failed[0].message if failed else "dry run: nothing was changed"
    return PassOutcome(phase, message, tuple(results))


def end_hooks(cluster: ClusterPort, hooks: list[ResourceKey], sync_id: str) -> list[ResourceResult]:
    """Delete the hooks of operation ``sync_id`` that are still there (an operation that
    was terminated or timed out). Works from the recorded hook keys alone, so it needs no
    render; objects of other operations, or not ours, are left alone."""
    results = []
    for key in hooks:
        try:
            live = cluster.get(key)
            if live is None or not hook_util.belongs_to(live, sync_id):
                continue
            cluster.delete(key, propagation="Background")
        except ClusterError as error:
            results.append(ResourceResult(key, ResultCode.FAILED, str(error)))
            continue
        results.append(ResourceResult(key, ResultCode.PRUNED, "hook stopped with its operation"))
    return results
