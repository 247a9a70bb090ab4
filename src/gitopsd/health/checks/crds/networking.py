"""Health of traffic kinds: Gateway API, Istio (and its Sail operator) and Contour.

Registered through :mod:`gitopsd.health.checks.crds`. The Gateway API documents
``Accepted`` and ``Programmed`` conditions on GatewayClasses and Gateways, and per parent
Gateway (``status.parents``) ``Accepted`` and ``ResolvedRefs`` on routes. Istio's
IstioOperator reports ``status.status`` (``HEALTHY``, ``RECONCILING``, ``ERROR``, ...);
Istio's configuration kinds report analyzer findings in ``status.validationMessages``
and, with status enabled, a ``Reconciled`` condition (without either they have no
opinion); the Sail operator's kinds report ``Reconciled`` and ``Ready``. Contour's
HTTPProxy reports ``currentStatus`` ``valid``, ``invalid`` or ``orphaned``.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.rules import PROGRESS_REASONS, Rule, condition_message, phases
from gitopsd.health.checks.types import CheckTable
from gitopsd.health.result import Health, degraded, healthy, progressing
from gitopsd.model.keys import GroupKind

GATEWAY = "gateway.networking.k8s.io"
GATEWAY_PROGRESS = PROGRESS_REASONS | {"Pending", "AddressNotAssigned", "NoResources"}


def route_health(obj: dict[str, Any]) -> Health:
    """Routes (``status.parents``) and policies (``status.ancestors``)."""
    entries = fields.items(obj, "status", "parents") or fields.items(obj, "status", "ancestors")
    parents = [entry for entry in entries if isinstance(entry, dict)]
    if not parents:
        return progressing("Waiting for a Gateway to accept the route")
    for parent in parents:
        name = fields.text(parent, "parentRef", "name") or fields.text(
            parent, "ancestorRef", "name"
        )
        for condition_type in ("Accepted", "ResolvedRefs"):
            entry = fields.own_condition(parent, condition_type)
            if (
                fields.is_false(entry)
                and fields.text(entry or {}, "reason") not in GATEWAY_PROGRESS
            ):
                return degraded(f"{name}: {condition_message(entry)}")
        if not fields.is_true(fields.own_condition(parent, "Accepted")):
            return progressing(f"Waiting for {name} to accept the route")
    return healthy(f"Accepted by {len(parents)} parent(s)")


def istio_config_health(obj: dict[str, Any]) -> Health | None:
    findings = [m for m in fields.items(obj, "status", "validationMessages") if isinstance(m, dict)]
    errors = [m for m in findings if m.get("level") == "ERROR"]
    if errors:
        return degraded("; ".join(_finding(m) for m in errors))
    reconciled = fields.condition(obj, "Reconciled")
    if reconciled is not None and not fields.is_true(reconciled):
        return progressing(condition_message(reconciled) or "Waiting for the proxies to pick it up")
    if reconciled is not None or findings:
        return healthy("; ".join(_finding(m) for m in findings))
    return None


def _finding(message: dict[str, Any]) -> str:
    code = fields.text(message, "type", "code")
    name = fields.text(message, "type", "name")
    return f"{code} {name}".strip() or fields.text(message, "documentationUrl")


ISTIO_CONFIG = {
    "networking.istio.io": (
        "VirtualService",
        "DestinationRule",
        "Gateway",
        "ServiceEntry",
        "Sidecar",
        "EnvoyFilter",
        "WorkloadEntry",
        "WorkloadGroup",
    ),
    "security.istio.io": ("AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication"),
    "telemetry.istio.io": ("Telemetry",),
}
SAIL = Rule(ready=("Reconciled", "Ready"), suspend=())

TABLE = CheckTable(
    {
        GroupKind(GATEWAY, "GatewayClass"): Rule(
            ready=("Accepted",), progress_reasons=GATEWAY_PROGRESS, suspend=()
        ),
        GroupKind(GATEWAY, "Gateway"): Rule(
            ready=("Accepted", "Programmed"), progress_reasons=GATEWAY_PROGRESS, suspend=()
        ),
        **{
            GroupKind(GATEWAY, kind): route_health
            for kind in ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute")
        },
        GroupKind(GATEWAY, "BackendTLSPolicy"): route_health,
        GroupKind("install.istio.io", "IstioOperator"): Rule(
            ready=(),
            phase=("status", "status"),
            phases=phases(
                Healthy=("HEALTHY",),
                Progressing=("RECONCILING", "UPDATING", "NONE"),
                Degraded=("ERROR", "ACTION_REQUIRED"),
            ),
            suspend=(),
        ),
        **{
            GroupKind(group, kind): istio_config_health
            for group, kinds in ISTIO_CONFIG.items()
            for kind in kinds
        },
        **{
            GroupKind("sailoperator.io", kind): SAIL
            for kind in ("Istio", "IstioRevision", "IstioCNI", "ZTunnel")
        },
        GroupKind("projectcontour.io", "HTTPProxy"): Rule(
            ready=("Valid",),
            phase=("status", "currentStatus"),
            phases=phases(Healthy=("valid",), Degraded=("invalid", "orphaned")),
            phase_message=(("status", "description"),),
            suspend=(),
        ),
    }
)
