"""Health of Cluster API's kinds: Cluster, Machine, MachineDeployment, MachineSet,
MachinePool, MachineHealthCheck and KubeadmControlPlane.

Registered through :mod:`gitopsd.health.checks.crds`. Written from Cluster API's
documented status: ``status.phase`` (a Cluster is ``Pending``, ``Provisioning``,
``Provisioned``, ``Deleting`` or ``Failed``; a Machine also ``Running``; a
MachineDeployment ``ScalingUp``, ``ScalingDown``, ``Running`` or ``Failed``),
``failureReason``/``failureMessage``, ``spec.paused``, replica counters, and conditions
that grade themselves with a ``severity`` (``Error`` is a failure, ``Warning`` and
``Info`` are work under way). Infrastructure providers' kinds (``AWSCluster``, ...) report
a ``Ready`` condition the generic fallback reads, severity included.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.rules import Rule, phases
from gitopsd.health.checks.types import Check, CheckTable
from gitopsd.health.result import Health, degraded, progressing
from gitopsd.model.keys import GroupKind

GROUP = "cluster.x-k8s.io"
READY = ("Ready", "Available")


def _failure(obj: dict[str, Any]) -> Health | None:
    message = fields.text(obj, "status", "failureMessage")
    reason = fields.text(obj, "status", "failureReason")
    if message or reason:
        return degraded(": ".join(part for part in (reason, message) if part))
    return None


def _replicas_pending(obj: dict[str, Any]) -> Health | None:
    unavailable = fields.integer(obj, "status", "unavailableReplicas")
    if unavailable > 0:
        return progressing(f"{unavailable} replicas are not available yet")
    return None


def with_failure(rule: Rule, replicas: bool = False) -> Check:
    """``rule``, after the failure fields and (optionally) the replica counters."""

    def check(obj: dict[str, Any]) -> Health | None:
        failure = _failure(obj)
        if failure is not None:
            return failure
        suspended_or_stale = rule.suspended(obj) or rule.stale(obj)
        if suspended_or_stale is not None:
            return suspended_or_stale
        pending = _replicas_pending(obj) if replicas else None
        return pending or rule(obj)

    return check


CLUSTER = Rule(
    ready=READY,
    suspend=(("spec", "paused"),),
    phases=phases(Progressing=("Pending", "Provisioning", "Deleting"), Degraded=("Failed",)),
)
MACHINE = Rule(
    ready=READY,
    suspend=(),
    phases=phases(
        Progressing=("Pending", "Provisioning", "Provisioned", "Deleting", "Deleted"),
        Degraded=("Failed",),
        Unknown=("Unknown",),
    ),
)
SCALING = Rule(
    ready=READY,
    suspend=(("spec", "paused"),),
    phases=phases(
        Progressing=("ScalingUp", "ScalingDown", "Pending", "Provisioning", "Provisioned"),
        Healthy=("Running",),
        Degraded=("Failed",),
    ),
)

TABLE = CheckTable(
    {
        GroupKind(GROUP, "Cluster"): with_failure(CLUSTER),
        GroupKind(GROUP, "Machine"): with_failure(MACHINE),
        GroupKind(GROUP, "MachineDeployment"): with_failure(SCALING, replicas=True),
        GroupKind(GROUP, "MachineSet"): with_failure(Rule(ready=READY, suspend=()), replicas=True),
        GroupKind(GROUP, "MachinePool"): with_failure(SCALING, replicas=True),
        # Too many unhealthy machines is graded Warning, but nothing heals until a person acts.
        GroupKind(GROUP, "MachineHealthCheck"): Rule(
            ready=("RemediationAllowed",), suspend=(), graded_by_severity=False
        ),
        GroupKind("controlplane.cluster.x-k8s.io", "KubeadmControlPlane"): with_failure(
            Rule(ready=READY, suspend=()), replicas=True
        ),
    }
)
