"""Hook objects across passes: their state, and the delete policies around them.

A hook created by an operation carries that operation's id in an annotation, so a pass
(or a restarted controller) can tell this operation's hook from a leftover of an earlier
one. Called by the operation pass.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from gitopsd.desired import DesiredObject
from gitopsd.errors import SpecError
from gitopsd.health import HealthAssessor
from gitopsd.model.annotations import HOOK_TIMEOUT, SYNC_ID_ANNOTATION, annotation
from gitopsd.model.times import parse_time
from gitopsd.model.vocab import HealthStatus, HookDeletePolicy
from gitopsd.spec import parse_duration

PENDING = "Pending"
RUNNING = "Running"
SUCCEEDED = "Succeeded"
FAILED = "Failed"


def with_sync_id(item: DesiredObject, sync_id: str) -> dict[str, Any]:
    obj = copy.deepcopy(item.obj)
    obj.setdefault("metadata", {}).setdefault("annotations", {})[SYNC_ID_ANNOTATION] = sync_id
    return obj


def belongs_to(live: dict[str, Any] | None, sync_id: str) -> bool:
    annotations = ((live or {}).get("metadata") or {}).get("annotations") or {}
    return annotations.get(SYNC_ID_ANNOTATION) == sync_id


DEFAULT_HOOK_TIMEOUT_SECONDS = 600.0


def hook_phase(
    live: dict[str, Any] | None,
    sync_id: str,
    assessor: HealthAssessor,
    now: dt.datetime | None = None,
) -> tuple[str, str]:
    """(phase, message) of a hook for operation ``sync_id``; a hook still running past
    its timeout (``hook-timeout`` annotation, default 10 minutes) has failed."""
    if live is None or not belongs_to(live, sync_id):
        return PENDING, ""
    phase, message = _observed_phase(live, assessor)
    if phase == RUNNING and now is not None and _timed_out(live, now):
        return FAILED, "hook timed out"
    return phase, message


def _timed_out(live: dict[str, Any], now: dt.datetime) -> bool:
    started = parse_time((live.get("metadata") or {}).get("creationTimestamp"))
    if started is None:
        return False
    try:
        limit = parse_duration(annotation(live, HOOK_TIMEOUT), DEFAULT_HOOK_TIMEOUT_SECONDS)
    except SpecError:
        limit = DEFAULT_HOOK_TIMEOUT_SECONDS
    return (now - started).total_seconds() > limit


def _observed_phase(live: dict[str, Any], assessor: HealthAssessor) -> tuple[str, str]:
    kind = live.get("kind")
    status = live.get("status") or {}
    if kind == "Job":
        for condition in status.get("conditions") or []:
            if condition.get("status") != "True":
                continue
            if condition.get("type") == "Complete":
                return SUCCEEDED, "job completed"
            if condition.get("type") == "Failed":
                return FAILED, str(condition.get("message") or condition.get("reason") or "")
        return RUNNING, "job running"
    if kind == "Pod":
        phase = status.get("phase")
        if phase == "Succeeded":
            return SUCCEEDED, "pod succeeded"
        if phase == "Failed":
            return FAILED, str(status.get("message") or "pod failed")
        return RUNNING, f"pod {phase or 'pending'}"
    health = assessor.assess(live)
    if health is None or health.status == HealthStatus.HEALTHY:
        return SUCCEEDED, ""
    if health.status == HealthStatus.DEGRADED:
        return FAILED, health.message
    return RUNNING, health.message


def policies(item: DesiredObject) -> frozenset[HookDeletePolicy]:
    return item.hook_delete_policies or frozenset({HookDeletePolicy.BEFORE_HOOK_CREATION})


def delete_after(item: DesiredObject, phase: str) -> bool:
    wanted = policies(item)
    return (phase == SUCCEEDED and HookDeletePolicy.HOOK_SUCCEEDED in wanted) or (
        phase == FAILED and HookDeletePolicy.HOOK_FAILED in wanted
    )
