"""The outcome of one health assessment: a status and a human message.

Produced by every check in :mod:`gitopsd.health.checks`, by Lua customizations and by
:class:`gitopsd.health.assess.HealthAssessor`; read by the sync and status stages.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitopsd.model.vocab import HealthStatus


@dataclass(frozen=True)
class Health:
    """The health of one object, spelled as Argo CD spells it in ``status.health``."""

    status: HealthStatus
    message: str = ""


def healthy(message: str = "") -> Health:
    return Health(HealthStatus.HEALTHY, message)


def progressing(message: str = "") -> Health:
    return Health(HealthStatus.PROGRESSING, message)


def degraded(message: str = "") -> Health:
    return Health(HealthStatus.DEGRADED, message)


def suspended(message: str = "") -> Health:
    return Health(HealthStatus.SUSPENDED, message)


def unknown(message: str = "") -> Health:
    return Health(HealthStatus.UNKNOWN, message)
