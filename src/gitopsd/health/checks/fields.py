"""Tolerant readers for the fields health checks look at in raw Kubernetes objects.

Used by every module in :mod:`gitopsd.health.checks`. Objects come from the API server or
straight from manifest files, so any field may be absent, null or oddly typed; readers
return a neutral default instead of raising.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from gitopsd.model.times import parse_time


def get(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]...``, or None when any step is missing or not a mapping."""
    value = obj
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def as_int(value: Any, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return default


def integer(obj: Any, *path: str, default: int = 0) -> int:
    return as_int(get(obj, *path), default)


def text(obj: Any, *path: str) -> str:
    value = get(obj, *path)
    return value if isinstance(value, str) else ""


def items(obj: Any, *path: str) -> list[Any]:
    value = get(obj, *path)
    return value if isinstance(value, list) else []


def name(obj: dict[str, Any]) -> str:
    return text(obj, "metadata", "name")


def generation(obj: dict[str, Any]) -> int:
    return integer(obj, "metadata", "generation")


def observed_generation(obj: dict[str, Any]) -> int:
    return integer(obj, "status", "observedGeneration")


def desired_replicas(obj: dict[str, Any]) -> int:
    """``spec.replicas``, defaulting to 1 as the API server does when it is unset."""
    return integer(obj, "spec", "replicas", default=1)


def conditions(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in items(obj, "status", "conditions") if isinstance(c, dict)]


def condition(obj: dict[str, Any], condition_type: str) -> dict[str, Any] | None:
    """The first ``status.conditions`` entry of ``condition_type``, if any."""
    for entry in conditions(obj):
        if entry.get("type") == condition_type:
            return entry
    return None


def own_condition(entry: Any, condition_type: str) -> dict[str, Any] | None:
    """A condition from ``entry["conditions"]``: the per-parent, per-binding or per-router
    conditions some kinds list outside ``status.conditions``."""
    for item in items(entry, "conditions"):
        if isinstance(item, dict) and item.get("type") == condition_type:
            return item
    return None


def is_true(entry: dict[str, Any] | None) -> bool:
    return entry is not None and entry.get("status") == "True"


def is_false(entry: dict[str, Any] | None) -> bool:
    return entry is not None and entry.get("status") == "False"


def reason_and_message(entry: dict[str, Any]) -> str:
    """``Reason: message``, or whichever of the two is set."""
    parts = [text(entry, "reason"), text(entry, "message")]
    return ": ".join(part for part in parts if part)


def timestamp(obj: Any, *path: str) -> dt.datetime | None:
    """An RFC 3339 timestamp field, or None when absent or unparseable."""
    # YAML loaders other than gitopsd's turn unquoted timestamps into datetimes.
    return parse_time(get(obj, *path))
