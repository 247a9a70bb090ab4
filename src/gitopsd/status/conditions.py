"""Application conditions (``InvalidSpecError``, ``ComparisonError``, ``SyncError``, …).

A condition keeps its ``lastTransitionTime`` while its message is unchanged, so status
patches stay quiet on a steady error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

INVALID_SPEC = "InvalidSpecError"
COMPARISON_ERROR = "ComparisonError"
SYNC_ERROR = "SyncError"
SHARED_RESOURCE_WARNING = "SharedResourceWarning"
ORPHANED_RESOURCE_WARNING = "OrphanedResourceWarning"
# Objects of the inventory the AppProject no longer permits: kept, never pruned or deleted.
EXCLUDED_RESOURCE_WARNING = "ExcludedResourceWarning"
SYNC_WINDOW = "SyncWindowBlocked"
# gitopsd-cm holds an entry that was refused; the last good configuration is in use.
CONFIGURATION_WARNING = "ConfigurationWarning"
# Git cannot be reached; the application is compared with the last revision it knew.
REPOSITORY_UNREACHABLE = "RepositoryUnreachableWarning"
PROJECT_VIOLATION = "InvalidSpecError"


@dataclass(frozen=True)
class Condition:
    type: str
    message: str


def set_conditions(
    previous: Iterable[dict[str, Any]], current: Iterable[Condition], now: str
) -> list[dict[str, Any]]:
    earlier = {(c.get("type"), c.get("message")): c for c in previous}
    result = []
    for condition in sorted(set(current), key=lambda c: (c.type, c.message)):
        before = earlier.get((condition.type, condition.message))
        result.append(
            {
                "type": condition.type,
                "message": condition.message,
                "lastTransitionTime": (before or {}).get("lastTransitionTime", now),
            }
        )
    return result
