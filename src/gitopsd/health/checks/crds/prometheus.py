"""Health of the Prometheus Operator's kinds.

Registered through :mod:`gitopsd.health.checks.crds`. Written from the operator's API
reference: Prometheus, Alertmanager, ThanosRuler and PrometheusAgent report ``Available``
(``True``, ``False`` or ``Degraded`` when only some replicas are ready) and
``Reconciled``, and can be ``spec.paused``; ServiceMonitor, PodMonitor, Probe,
PrometheusRule and ScrapeConfig report, per Prometheus that selects them, an ``Accepted``
condition under ``status.bindings`` (newer operators only, so without bindings they have
no opinion).
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.rules import condition_message, waiting_for_generation
from gitopsd.health.checks.types import CheckTable
from gitopsd.health.result import Health, degraded, healthy, progressing, suspended
from gitopsd.model.keys import GroupKind

GROUP = "monitoring.coreos.com"


def server_health(obj: dict[str, Any]) -> Health:
    """Prometheus, Alertmanager, ThanosRuler, PrometheusAgent."""
    if fields.get(obj, "spec", "paused") is True:
        return suspended(f"{obj.get('kind')} reconciliation is paused")
    reconciled = fields.condition(obj, "Reconciled")
    available = fields.condition(obj, "Available")
    if reconciled is None and available is None:
        return progressing(f"Waiting for the operator to report on the {obj.get('kind')}")
    for entry in (reconciled, available):
        observed = (entry or {}).get("observedGeneration")
        if observed is not None and fields.as_int(observed) < fields.generation(obj):
            return waiting_for_generation(fields.generation(obj))
    if fields.is_false(reconciled):
        return degraded(condition_message(reconciled) or "The configuration was not reconciled")
    if fields.is_false(available):
        return degraded(condition_message(available) or "No replica is available")
    if available is not None and available.get("status") == "Degraded":
        return progressing(condition_message(available) or "Some replicas are not available")
    if fields.is_true(available):
        return healthy(condition_message(available))
    return progressing(condition_message(available or reconciled))


def configuration_health(obj: dict[str, Any]) -> Health | None:
    """ServiceMonitor, PodMonitor, Probe, PrometheusRule, ScrapeConfig."""
    bindings = [b for b in fields.items(obj, "status", "bindings") if isinstance(b, dict)]
    if not bindings:
        return None
    waiting = []
    for binding in bindings:
        accepted = fields.own_condition(binding, "Accepted")
        name = f"{fields.text(binding, 'resource')}/{fields.text(binding, 'name')}"
        if fields.is_false(accepted):
            return degraded(f"Rejected by {name}: {condition_message(accepted)}")
        if not fields.is_true(accepted):
            waiting.append(name)
    if waiting:
        return progressing(f"Waiting for {', '.join(waiting)} to accept the configuration")
    return healthy(f"Accepted by {len(bindings)} workload(s)")


TABLE = CheckTable(
    {
        **{
            GroupKind(GROUP, kind): server_health
            for kind in ("Prometheus", "Alertmanager", "ThanosRuler", "PrometheusAgent")
        },
        **{
            GroupKind(GROUP, kind): configuration_health
            for kind in ("ServiceMonitor", "PodMonitor", "Probe", "PrometheusRule")
        },
        GroupKind(GROUP, "ScrapeConfig"): configuration_health,
    }
)
