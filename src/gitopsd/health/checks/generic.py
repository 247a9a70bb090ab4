"""The fallback for kinds without a built-in check: standard status conventions.

Called by :func:`gitopsd.health.checks.builtin_health` when no check is registered for an
object's kind or family. Most controllers built with kubebuilder or controller-runtime
publish ``status.observedGeneration`` and a ``Ready`` or ``Available`` condition, some the
kstatus ``Stalled``/``Reconciling`` pair, Crossplane's claims and composite resources a
``Synced`` condition beside ``Ready``, and Cluster API's providers a ``severity`` on their
conditions; an object that publishes none of them gets no opinion (``None``).
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.rules import PROGRESS_REASONS, is_transient
from gitopsd.health.result import Health, degraded, healthy, progressing, suspended

_READINESS_CONDITIONS = ("Ready", "Available")


def generic_health(obj: dict[str, Any]) -> Health | None:
    generation = fields.generation(obj)
    observed = fields.get(obj, "status", "observedGeneration")
    if observed is not None and fields.as_int(observed) < generation:
        return _stale(generation)
    stalled = fields.condition(obj, "Stalled")
    if stalled is not None and fields.is_true(stalled):
        return degraded(fields.reason_and_message(stalled))
    reconciling = fields.condition(obj, "Reconciling")
    if reconciling is not None and fields.is_true(reconciling):
        return progressing(fields.reason_and_message(reconciling))
    readiness = _readiness_condition(obj)
    if readiness is None:
        return None
    synced = fields.condition(obj, "Synced")
    if synced is not None and fields.is_false(synced):
        message = fields.text(synced, "message") or fields.text(synced, "reason")
        if fields.text(synced, "reason") == "ReconcilePaused":
            return suspended(message)
        return degraded(message)
    return _from_readiness(readiness, generation)


def _stale(generation: int) -> Health:
    return progressing(f"Waiting for the controller to observe generation {generation}")


def _readiness_condition(obj: dict[str, Any]) -> dict[str, Any] | None:
    for condition_type in _READINESS_CONDITIONS:
        entry = fields.condition(obj, condition_type)
        if entry is not None:
            return entry
    return None


def _from_readiness(entry: dict[str, Any], generation: int) -> Health:
    observed = entry.get("observedGeneration")
    if observed is not None and fields.as_int(observed) < generation:
        return _stale(generation)
    message = fields.text(entry, "message") or fields.text(entry, "reason")
    if fields.is_true(entry):
        return healthy(fields.text(entry, "message"))
    if fields.is_false(entry) and not is_transient(entry, PROGRESS_REASONS):
        return degraded(message)
    return progressing(message)
