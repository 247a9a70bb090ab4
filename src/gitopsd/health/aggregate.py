"""Folding many resource healths into one, for an Application's ``status.health``.

Called by the status stage with the health of every managed resource; a resource whose
kind has no check (``None``) has no say, as in Argo CD.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitopsd.health.result import Health
from gitopsd.model.vocab import HEALTH_SEVERITY, HealthStatus


def aggregate(healths: Iterable[Health | None]) -> Health:
    """The worst of ``healths`` with its message; Healthy when nothing has an opinion.

    Among equally bad results the first one wins, so callers that pass resources in their
    sorted order get a stable message.
    """
    worst: Health | None = None
    for health in healths:
        if health is None:
            continue
        if worst is None or HEALTH_SEVERITY[health.status] > HEALTH_SEVERITY[worst.status]:
            worst = health
    return worst if worst is not None else Health(HealthStatus.HEALTHY)
