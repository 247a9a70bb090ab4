"""Which built-in check assesses a kind: the table of every check gitopsd ships.

Called by :class:`gitopsd.health.assess.HealthAssessor` when no Lua customization covers
an object's kind. Lookup order: the kind's own check (:data:`BUILTIN_CHECKS`), then a
group family (:data:`FAMILIES`, for providers with hundreds of kinds), then the generic
condition-based fallback, which may have no opinion (``None``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitopsd.health.checks import core, crds
from gitopsd.health.checks.generic import generic_health
from gitopsd.health.checks.types import Check, Family
from gitopsd.health.result import Health
from gitopsd.model.keys import GroupKind


def _merged() -> dict[GroupKind, Check]:
    table: dict[GroupKind, Check] = dict(core.CHECKS)
    for ecosystem in crds.TABLES:
        overlap = table.keys() & ecosystem.checks.keys()
        if overlap:
            raise RuntimeError(f"health checks registered twice: {sorted(map(str, overlap))}")
        table.update(ecosystem.checks)
    return table


BUILTIN_CHECKS: Mapping[GroupKind, Check] = _merged()
# Longest suffix first, so a narrower family wins over a wider one.
FAMILIES: tuple[Family, ...] = tuple(
    sorted(
        (family for ecosystem in crds.TABLES for family in ecosystem.families),
        key=lambda family: -len(family.suffix),
    )
)


def check_for(group_kind: GroupKind) -> Check | None:
    """The kind's own check or its family's; None when only the fallback applies."""
    check = BUILTIN_CHECKS.get(group_kind)
    if check is not None:
        return check
    for family in FAMILIES:
        if family.covers(group_kind.group):
            return family.check
    return None


def builtin_health(obj: dict[str, Any]) -> Health | None:
    """The built-in check for ``obj``'s kind, else the generic fallback."""
    check = check_for(GroupKind.of(obj))
    if check is None:
        return generic_health(obj)
    return check(obj)
