"""Health of a gitopsd Application managed by another Application (app of apps).

Registered in :mod:`gitopsd.health.checks.core` for ``gitopsd.io`` Applications. The
child reports its own health in ``status.health``; until it does, it is Progressing
rather than Healthy, so a parent's sync waves wait for the child to be assessed at least
once. Argo CD's own ``argoproj.io`` Application has no built-in check, as in Argo CD
(since 1.8): a gitopsd controller does not judge another controller's Applications. A
child with error conditions (its spec is invalid, it cannot render, its last sync
failed) is Degraded with the child and the errors named: such a child may never report
a health, and its parent must not wait for one forever.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.result import Health, degraded, progressing, unknown
from gitopsd.model.vocab import HealthStatus


def application_health(obj: dict[str, Any]) -> Health:
    errors = _error_conditions(obj)
    if errors:
        name = f"{fields.text(obj, 'metadata', 'namespace')}/{fields.name(obj)}"
        return degraded(f"application {name}: {'; '.join(errors)}")
    reported = fields.text(obj, "status", "health", "status")
    message = fields.text(obj, "status", "health", "message")
    if not reported:
        return progressing("Waiting for the application to report its health")
    try:
        return Health(HealthStatus(reported), message)
    except ValueError:
        return unknown(f'The application reports an unrecognised health "{reported}"')


def _error_conditions(obj: dict[str, Any]) -> list[str]:
    status = obj.get("status")
    conditions = status.get("conditions") if isinstance(status, dict) else None
    if not isinstance(conditions, list):
        return []
    return [
        f"{c.get('type')}: {c.get('message') or ''}".rstrip(": ")
        for c in conditions
        if isinstance(c, dict) and str(c.get("type") or "").endswith("Error")
    ]
