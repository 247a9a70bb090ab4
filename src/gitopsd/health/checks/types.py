"""The shape every built-in check has, and group families for wildcard API groups.

Used by every module in :mod:`gitopsd.health.checks`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gitopsd.health.result import Health
from gitopsd.model.keys import GroupKind

# A check reads one object and returns its health, or None for "no opinion".
Check = Callable[[dict[str, Any]], Health | None]


@dataclass(frozen=True)
class Family:
    """A check for every kind in API groups ending with ``suffix`` (``.crossplane.io``).

    Cloud providers' controllers (Crossplane providers, AWS ACK, Google Config Connector,
    Azure Service Operator) define hundreds of kinds across many groups that all report
    health the same way; one family covers them. ``exclude`` lists groups under the
    suffix that are not of the family.
    """

    suffix: str
    check: Check
    exclude: frozenset[str] = frozenset()

    def covers(self, group: str) -> bool:
        return group.endswith(self.suffix) and group not in self.exclude


@dataclass(frozen=True)
class CheckTable:
    """One ecosystem's checks: per kind, and per group family."""

    checks: Mapping[GroupKind, Check]
    families: tuple[Family, ...] = ()
