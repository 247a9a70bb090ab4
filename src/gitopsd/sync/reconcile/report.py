"""The status stage: from a finished pass to the Application's ``status`` and its events.

:func:`build_status` writes the whole status of a pass that assessed the Application
(replaced whole by the operator); :func:`error_status` keeps the previous one with a
condition when a pass ends early; :func:`drift_summary` names who drifted for the
``SelfHeal`` event. Called by the reconciler's stages.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from gitopsd.diff import Comparison, last_writer
from gitopsd.diff.paths import dotted
from gitopsd.model.vocab import OperationPhase, SyncStatus
from gitopsd.spec import compared_to
from gitopsd.status import Condition, resource_entries, set_conditions, summary_images
from gitopsd.status import conditions as cond
from gitopsd.sync import operation_state as opstate
from gitopsd.sync.passes import AppEvent, Pass
from gitopsd.sync.reconcile.assess import Assessment


def build_status(p: Pass, seen: Assessment) -> dict[str, Any]:
    """The whole new status of a pass that assessed the Application."""
    comparison, generated = seen.comparison, seen.generated
    _transition_events(p, comparison)
    status: dict[str, Any] = {
        "sync": {
            "status": str(comparison.sync_status),
            "revision": generated.revisions[0] if generated.revisions else "",
            "comparedTo": compared_to(p.raw_spec),
        },
        "health": {"status": str(comparison.health.status)},
        "resources": resource_entries(comparison),
        "summary": {"images": summary_images(item.obj for item in seen.desired.resources)},
        "history": opstate.history_after(
            p.previous, p.op_state, p.spec, generated, finished_now=p.finished
        ),
        "reconciledAt": p.stamp,
        "observedAt": p.stamp,
    }
    if len(generated.revisions) > 1:
        status["sync"]["revisions"] = list(generated.revisions)
    if comparison.health.message:
        status["health"]["message"] = comparison.health.message
    if p.op_state is not None:
        status["operationState"] = p.op_state
    conditions = list(p.conditions)
    if p.op_state and p.op_state.get("phase") in (OperationPhase.FAILED, OperationPhase.ERROR):
        conditions.append(Condition(cond.SYNC_ERROR, str(p.op_state.get("message", ""))))
    conditions.extend(
        Condition(cond.COMPARISON_ERROR, o.error) for o in comparison.objects if o.error
    )
    status["conditions"] = set_conditions(p.previous.get("conditions") or [], conditions, p.stamp)
    return status


def _transition_events(p: Pass, comparison: Comparison) -> None:
    sync_status = comparison.sync_status
    health = comparison.health.status
    before_sync = (p.previous.get("sync") or {}).get("status")
    before_health = (p.previous.get("health") or {}).get("status")
    if sync_status == SyncStatus.OUT_OF_SYNC and before_sync != sync_status:
        drifted = ", ".join(str(o.key) for o in comparison.out_of_sync[:5])
        p.events.append(AppEvent("Normal", "OutOfSync", f"out of sync: {drifted}"))
    if before_health and before_health != str(health):
        p.events.append(
            AppEvent(
                "Normal", "HealthStatusChanged", f"health changed from {before_health} to {health}"
            )
        )


def error_status(
    previous: dict[str, Any],
    condition: Condition,
    stamp: str,
    *,
    revisions: Sequence[str] | None = None,
    compared_to: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[AppEvent]]:
    """The previous status, untouched but for the condition and what was compared: its
    resources (and so the inventory) stay as they were, which is what keeps a failed
    render from pruning. ``sync.revision`` names the commit this pass tried (the one that
    failed), or nothing when the target could not be resolved: never a stale commit."""
    status = copy.deepcopy(previous)
    status["conditions"] = set_conditions(previous.get("conditions") or [], [condition], stamp)
    sync = status.setdefault("sync", {})
    sync["status"] = str(SyncStatus.UNKNOWN)
    sync.pop("revisions", None)
    if revisions:
        sync["revision"] = revisions[0]
        if len(revisions) > 1:
            sync["revisions"] = list(revisions)
    else:
        sync.pop("revision", None)
    if compared_to is not None:
        sync["comparedTo"] = compared_to
    status["reconciledAt"] = stamp
    before = {(c.get("type"), c.get("message")) for c in previous.get("conditions") or []}
    if (condition.type, condition.message) in before:
        return status, []
    return status, [AppEvent("Warning", condition.type, condition.message)]


def drift_summary(comparison: Comparison) -> str:
    """Who changed what, for the SelfHeal event: the field managers owning the changed
    fields; for a change nobody owns any more (a removed field), the changed fields and
    the object's last writer."""
    parts = []
    for o in comparison.out_of_sync:
        if o.live is None:
            parts.append(f"{o.key} deleted")
        elif o.diff is not None and o.diff.managers:
            parts.append(f"{o.key}: {', '.join(str(m) for m in o.diff.managers)}")
        elif o.diff is not None and o.diff.changed_paths:
            fields = ", ".join(dotted(path) for path in o.diff.changed_paths[:5])
            writer = last_writer(o.live)
            by = (
                f"last written by {writer.manager} ({writer.operation}) at {writer.time}"
                if writer
                else "no field manager owns the change"
            )
            parts.append(f"{o.key}: {fields} changed ({by})")
    return "; ".join(parts) or "live state differs from Git"
