"""``operation`` and ``status.operationState``: starting, continuing, recording, retrying.

An operation is requested by writing ``operation`` on the Application (the CLI's ``app
sync``/``rollback`` and automated sync do). The reconciler moves it into
``status.operationState`` (phase ``Running``) and clears the request; every later pass
continues from that state, which is what lets a restarted controller resume.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from gitopsd.desired import DesiredSet
from gitopsd.diff import Comparison
from gitopsd.model.annotations import PRUNE_CONFIRM_ANNOTATION
from gitopsd.model.keys import ResourceKey
from gitopsd.model.revisions import short_revision
from gitopsd.model.sync_options import (
    NO_OPTIONS,
    SyncOptionProblem,
    SyncOptions,
    read_sync_options,
)
from gitopsd.model.times import format_time, parse_time
from gitopsd.model.vocab import HookType, OperationPhase, ResultCode, SyncPhase
from gitopsd.plan import may_prune, prune_set
from gitopsd.render import GeneratedManifests
from gitopsd.spec import ApplicationSpec
from gitopsd.status import append_history
from gitopsd.sync.operation import PassOutcome
from gitopsd.sync.prune import PruneRequest
from gitopsd.sync.results import ResourceResult, merge_results


def requested_or_running(app: dict[str, Any]) -> dict[str, Any] | None:
    if isinstance(app.get("operation"), dict) and app["operation"].get("sync") is not None:
        return dict(app["operation"])
    state = (app.get("status") or {}).get("operationState") or {}
    if state.get("phase") == OperationPhase.RUNNING and isinstance(state.get("operation"), dict):
        return dict(state["operation"])
    return None


def revisions_of(operation: dict[str, Any]) -> list[str] | None:
    sync = operation.get("sync") or {}
    if sync.get("revisions"):
        return [str(r) for r in sync["revisions"]]
    if sync.get("revision"):
        return [str(sync["revision"])]
    return None


def new_operation(*, revisions: list[str], prune: bool, automated: bool) -> dict[str, Any]:
    sync: dict[str, Any] = {"prune": prune}
    if len(revisions) == 1:
        sync["revision"] = revisions[0]
    else:
        sync["revisions"] = revisions
    return {"sync": sync, "initiatedBy": {"automated": automated}}


def is_continuation(op_state: dict[str, Any] | None, operation: dict[str, Any]) -> bool:
    return bool(
        op_state
        and op_state.get("phase") == OperationPhase.RUNNING
        and op_state.get("operation") == operation
    )


def start_or_continue(
    operation: dict[str, Any], op_state: dict[str, Any] | None, stamp: str
) -> dict[str, Any]:
    if is_continuation(op_state, operation):
        return copy.deepcopy(op_state)  # type: ignore[arg-type]
    return {
        "operation": copy.deepcopy(operation),
        "phase": str(OperationPhase.RUNNING),
        "message": "",
        "startedAt": stamp,
        "retryCount": 0,
        "syncResult": {"resources": []},
    }


def sync_id(state: dict[str, Any]) -> str:
    return f"{state.get('startedAt', '')}/{state.get('retryCount', 0)}"


def is_requested(app: dict[str, Any]) -> bool:
    """A sync request written on the Application (``operation.sync``)."""
    operation = app.get("operation")
    return isinstance(operation, dict) and operation.get("sync") is not None


def is_running(op_state: dict[str, Any] | None) -> bool:
    return bool(op_state) and (op_state or {}).get("phase") == OperationPhase.RUNNING


def end_operation(
    state: dict[str, Any], phase: OperationPhase, message: str, stamp: str
) -> dict[str, Any]:
    """``state`` ended now with ``phase`` and ``message`` (no retry, no history)."""
    ended = copy.deepcopy(state)
    ended["phase"] = str(phase)
    ended["message"] = message
    ended["finishedAt"] = stamp
    ended.pop("nextRetryAt", None)
    return ended


def attempt_age(state: dict[str, Any], now: dt.datetime) -> float:
    """Seconds since the current attempt began: ``startedAt``, or the retry's
    ``nextRetryAt`` once a retry is due (a retry is a new attempt with a new clock)."""
    started = parse_time(state.get("nextRetryAt")) or parse_time(state.get("startedAt"))
    if started is None:
        return 0.0
    return max((now - started).total_seconds(), 0.0)


def last_known_revisions(status: dict[str, Any]) -> list[str]:
    """The revisions a status last compared with (else last synced, else last deployed)."""
    sync = status.get("sync") or {}
    result = (status.get("operationState") or {}).get("syncResult") or {}
    history = (status.get("history") or [{}])[-1]
    for place in (sync, result, history):
        revisions = [str(r) for r in place.get("revisions") or []]
        if revisions:
            return revisions
        if place.get("revision"):
            return [str(place["revision"])]
    return []


def recorded_hook_keys(state: dict[str, Any] | None) -> list[ResourceKey]:
    """The hooks an operation has recorded results for, in recorded order."""
    keys = [r.key for r in previous_results(state or {}) if r.hook is not None]
    return list(dict.fromkeys(keys))


def selected_resources(operation: dict[str, Any]) -> frozenset[ResourceKey] | None:
    resources = (operation.get("sync") or {}).get("resources")
    if not resources:
        return None
    return frozenset(ResourceKey.of_entry(r) for r in resources)


def prune_request(
    operation: dict[str, Any],
    spec: ApplicationSpec,
    desired: DesiredSet,
    comparison: Comparison,
    inventory: frozenset[ResourceKey],
    meta: dict[str, Any],
    now: dt.datetime,
    *,
    options: SyncOptions = NO_OPTIONS,
    required_since: dt.datetime | None = None,
    refused: Mapping[ResourceKey, str] | None = None,
) -> PruneRequest | None:
    """What this pass of ``operation`` may prune. ``options`` are the application's sync
    options overridden by the operation's (each live object's annotation goes on top)."""
    sync = operation.get("sync") or {}
    automated = spec.sync_policy.automated
    allow_empty = bool(automated and automated.allow_empty)
    if not may_prune(len(desired.resources), allow_empty):
        return None  # an empty render never prunes without allowEmpty
    live = {o.key: o.live for o in comparison.objects if o.requires_pruning}
    plan = prune_set(
        inventory,
        desired,
        live,
        app_namespace=str(meta.get("namespace", "")),
        app_name=str(meta.get("name", "")),
        app_options=options,
        enabled=bool(sync.get("prune")),
        confirmed_at=_confirmed_at(meta),
        required_since=required_since,
        now=now,
        refused=refused or {},
    )
    skipped = tuple(
        ResourceResult(k.key, ResultCode.SKIPPED, k.reason)
        for k in (*plan.requires_pruning, *plan.skipped)
    )
    return PruneRequest(
        delete=tuple((i.key, str(i.propagation)) for i in plan.prune),
        delete_last=tuple((i.key, str(i.propagation)) for i in plan.prune_last),
        skipped=skipped,
        dry_run=bool(sync.get("dryRun")),
        confirmation_pending=plan.confirmation_pending,
    )


def operation_sync_options(
    operation: dict[str, Any],
) -> tuple[SyncOptions, list[SyncOptionProblem]]:
    """``operation.sync.syncOptions`` as typed options, and the entries that could not be
    read (a requested sync with such an entry ends in ``Error`` naming it)."""
    return read_sync_options((operation.get("sync") or {}).get("syncOptions") or [])


def _confirmed_at(meta: dict[str, Any]) -> dt.datetime | None:
    return parse_time((meta.get("annotations") or {}).get(PRUNE_CONFIRM_ANNOTATION))


def previous_results(state: dict[str, Any]) -> list[ResourceResult]:
    results = []
    for entry in (state.get("syncResult") or {}).get("resources") or []:
        results.append(
            ResourceResult(
                key=ResourceKey.of_entry(entry),
                code=ResultCode(entry.get("result", ResultCode.UNCHANGED)),
                message=str(entry.get("message") or ""),
                phase=SyncPhase(entry.get("syncPhase") or SyncPhase.SYNC),
                wave=int(entry.get("syncWave") or 0),
                hook=HookType(entry["hookType"]) if entry.get("hookType") else None,
                hook_phase=str(entry.get("hookPhase") or ""),
            )
        )
    return results


def _result_entry(result: ResourceResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "group": result.key.group,
        "kind": result.key.kind,
        "namespace": result.key.namespace,
        "name": result.key.name,
        "result": str(result.code),
        "status": _argo_status(result.code),
        "syncPhase": str(result.phase),
        "syncWave": result.wave,
    }
    if result.message:
        entry["message"] = result.message
    if result.hook is not None:
        entry["hookType"] = str(result.hook)
        entry["hookPhase"] = result.hook_phase
    return entry


def _argo_status(code: ResultCode) -> str:
    return {
        ResultCode.FAILED: "SyncFailed",
        ResultCode.PRUNED: "Pruned",
        ResultCode.SKIPPED: "PruneSkipped",
    }.get(code, "Synced")


def record_pass(
    state: dict[str, Any],
    outcome: PassOutcome,
    generated: GeneratedManifests,
    spec: ApplicationSpec,
    stamp: str,
) -> dict[str, Any]:
    state = copy.deepcopy(state)
    merged = merge_results(previous_results(state), list(outcome.results))
    result = state.setdefault("syncResult", {})
    result["resources"] = [_result_entry(r) for r in merged]
    revisions = list(generated.revisions)
    result["revision"] = revisions[0] if revisions else ""
    sources = spec.source_bodies()
    if len(sources) > 1:
        result["revisions"] = revisions
        result["sources"] = sources
    elif sources:
        result["source"] = sources[0]
    state["phase"] = str(outcome.phase)
    state["message"] = outcome.message
    if outcome.phase != OperationPhase.RUNNING:
        state["finishedAt"] = stamp
    return state


def maybe_retry(
    state: dict[str, Any], spec: ApplicationSpec, now: dt.datetime, stamp: str
) -> tuple[dict[str, Any], float | None]:
    """Failed and a retry budget left: back to Running after a back-off (seconds)."""
    retry = spec.sync_policy.retry
    if state.get("phase") != OperationPhase.FAILED or retry is None or retry.limit == 0:
        return state, None
    count = int(state.get("retryCount", 0))
    if 0 < retry.limit <= count:
        return state, None
    backoff = retry.backoff
    delay = min(backoff.duration_seconds * backoff.factor**count, backoff.max_duration_seconds)
    state = copy.deepcopy(state)
    state["retryCount"] = count + 1
    state["phase"] = str(OperationPhase.RUNNING)
    state["message"] = f"retrying attempt #{count + 1} in {delay:.0f}s: {state.get('message', '')}"
    state["nextRetryAt"] = format_time(now + dt.timedelta(seconds=delay))
    state.pop("finishedAt", None)
    state["syncResult"] = {"resources": []}
    del stamp
    return state, delay


def waiting_for_retry(state: dict[str, Any], now: dt.datetime) -> float | None:
    at = parse_time(state.get("nextRetryAt"))
    if at is None:
        return None
    remaining = (at - now).total_seconds()
    return remaining if remaining > 0 else None


def describe(operation: dict[str, Any], generated: GeneratedManifests) -> str:
    who = operation.get("initiatedBy") or {}
    initiator = "automated sync" if who.get("automated") else who.get("username") or "user"
    revision = ",".join(short_revision(r) for r in generated.revisions)
    author = generated.commits[0].author if generated.commits else ""
    by = f" (commit by {author})" if author else ""
    return f"sync to {revision}{by} initiated by {initiator}"


def history_after(
    previous: dict[str, Any],
    op_state: dict[str, Any] | None,
    spec: ApplicationSpec,
    generated: GeneratedManifests,
    *,
    finished_now: bool,
) -> list[dict[str, Any]]:
    """History with an entry for the operation that succeeded in this very pass."""
    history: list[dict[str, Any]] = list(previous.get("history") or [])
    if not finished_now or not op_state or op_state.get("phase") != OperationPhase.SUCCEEDED:
        return history
    if (op_state.get("operation") or {}).get("sync", {}).get("dryRun"):
        return history
    started = str(op_state.get("startedAt", ""))
    result = op_state.get("syncResult") or {}
    commit = generated.commits[0] if generated.commits else None
    sources = spec.source_bodies()
    return append_history(
        history,
        revision=str(result.get("revision", "")),
        revisions=list(result.get("revisions") or []),
        source=sources[0] if len(sources) == 1 else None,
        sources=sources if len(sources) > 1 else None,
        deployed_at=str(op_state.get("finishedAt", started)),
        started_at=started,
        initiated_by=dict((op_state.get("operation") or {}).get("initiatedBy") or {}),
        limit=spec.revision_history_limit,
        author=commit.author if commit else "",
        message=commit.message if commit else "",
    )
