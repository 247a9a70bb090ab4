"""Health of Services and Ingresses: is traffic routable yet?

Registered in :mod:`gitopsd.health.checks.core`. Only a LoadBalancer Service and an
Ingress wait on something outside the cluster (the load balancer controller); every other
Service is Healthy as soon as it exists. As in Argo CD, any entry in
``status.loadBalancer.ingress`` counts, even one without an address: some controllers
publish only ``ports`` or an empty entry once the load balancer exists.
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
    if not fields.items(obj, "status", "loadBalancer", "ingress"):
        return progressing("Waiting for the load balancer to assign an address")
    return healthy()
