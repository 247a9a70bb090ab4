"""The pure parts of the ApplicationSet loop: which Applications an ApplicationSet owns,
and the ``status.conditions`` and ``status.resources`` it reports. Used by
:mod:`gitopsd.operator.appsets`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gitopsd.appset import AppSetCondition
from gitopsd.appset.vocab import ConditionReason, ConditionType
from gitopsd.model.annotations import GROUP
from gitopsd.model.keys import GroupKind

APPLICATION = GroupKind(GROUP, "Application")
APPLICATION_VERSION = "v1alpha1"


def is_owned_by(app: dict[str, Any], uid: str) -> bool:
    references = (app.get("metadata") or {}).get("ownerReferences") or []
    return bool(uid) and any(ref.get("uid") == uid for ref in references)


def apply_failed_conditions(message: str) -> tuple[AppSetCondition, ...]:
    """Generation worked but writing Applications did not (the reason says which)."""
    return (
        AppSetCondition(
            ConditionType.ERROR_OCCURRED, True, ConditionReason.ERROR_OCCURRED, message
        ),
        AppSetCondition(
            ConditionType.PARAMETERS_GENERATED,
            True,
            ConditionReason.PARAMETERS_GENERATED,
            "Successfully generated parameters for all Applications",
        ),
        AppSetCondition(
            ConditionType.RESOURCES_UP_TO_DATE, False, ConditionReason.ERROR_OCCURRED, message
        ),
    )


def appset_status(
    previous: dict[str, Any],
    conditions: Sequence[AppSetCondition],
    applications: Sequence[dict[str, Any]],
    *,
    now: str,
) -> dict[str, Any]:
    """``status.conditions`` and ``status.resources``; a condition keeps its
    ``lastTransitionTime`` while its status stays the same (Kubernetes' convention)."""
    return {
        "conditions": stamp_conditions(previous.get("conditions") or [], conditions, now),
        "resources": resource_entries(applications),
    }


def stamp_conditions(
    previous: Sequence[dict[str, Any]], conditions: Sequence[AppSetCondition], now: str
) -> list[dict[str, Any]]:
    before = {str(c.get("type")): c for c in previous}
    stamped = []
    for condition in sorted(conditions, key=lambda c: str(c.type)):
        earlier = before.get(str(condition.type)) or {}
        entry = condition.to_dict(now)
        if earlier.get("status") == entry["status"] and earlier.get("lastTransitionTime"):
            entry["lastTransitionTime"] = earlier["lastTransitionTime"]
        stamped.append(entry)
    return stamped


def resource_entries(applications: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per owned Application with its sync and health, sorted by name."""
    entries = []
    for app in applications:
        meta, status = app.get("metadata") or {}, app.get("status") or {}
        entry: dict[str, Any] = {
            "group": GROUP,
            "version": APPLICATION_VERSION,
            "kind": APPLICATION.kind,
            "namespace": str(meta.get("namespace") or ""),
            "name": str(meta.get("name") or ""),
            "status": str((status.get("sync") or {}).get("status") or ""),
        }
        health = status.get("health") or {}
        if health.get("status"):
            entry["health"] = {"status": str(health["status"])}
            if health.get("message"):
                entry["health"]["message"] = str(health["message"])
        entries.append(entry)
    return sorted(entries, key=lambda e: (e["name"], e["namespace"]))
