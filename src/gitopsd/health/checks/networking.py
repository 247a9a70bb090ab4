"""Health of Services and Ingresses: is traffic routable yet?

Registered in :data:`gitopsd.health.checks.BUILTIN_CHECKS`. Only a LoadBalancer Service
and an Ingress wait on something outside the cluster (an address from the load balancer
controller); every other Service is Healthy as soon as it exists.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.result import Health, healthy, progressing


def service_health(obj: dict[str, Any]) -> Health:
    if fields.text(obj, "spec", "type") != "LoadBalancer":
        return healthy()
    return _load_balancer_health(obj)


def ingress_health(obj: dict[str, Any]) -> Health:
    return _load_balancer_health(obj)


def _load_balancer_health(obj: dict[str, Any]) -> Health:
    assigned = any(
        isinstance(entry, dict) and (entry.get("ip") or entry.get("hostname"))
        for entry in fields.items(obj, "status", "loadBalancer", "ingress")
    )
    if not assigned:
        return progressing("Waiting for the load balancer to assign an address")
    return healthy()
