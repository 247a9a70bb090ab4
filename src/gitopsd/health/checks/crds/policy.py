"""Health of policy engines' kinds: Kyverno and OPA Gatekeeper.

Registered through :mod:`gitopsd.health.checks.crds`. Kyverno policies report a ``Ready``
condition (reason ``Succeeded`` or ``Failed``; older releases a ``status.ready``
boolean); an UpdateRequest a ``status.state`` (``Pending``, ``Completed``, ``Failed``,
``Skipped``). Gatekeeper reports per audit and webhook pod under ``status.byPod``: a
ConstraintTemplate whether its CRD was ``created`` and any compilation ``errors``, each
constraint (one kind per template, in ``constraints.gatekeeper.sh``) and mutator whether
it is ``enforced``.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.rules import Rule, phases
from gitopsd.health.checks.types import CheckTable, Family
from gitopsd.health.result import Health, degraded, healthy, progressing
from gitopsd.model.keys import GroupKind

KYVERNO = "kyverno.io"
POLICY = Rule(suspend=(), no_status=None)


def kyverno_policy_health(obj: dict[str, Any]) -> Health | None:
    legacy = fields.get(obj, "status", "ready")
    if not fields.conditions(obj) and isinstance(legacy, bool):
        return healthy("The policy is ready") if legacy else progressing("The policy is not ready")
    result = POLICY(obj)
    if result is None:
        return progressing("Waiting for Kyverno to report on the policy")
    return result


def _pod_errors(obj: dict[str, Any]) -> list[str]:
    messages = []
    for pod in fields.items(obj, "status", "byPod"):
        for error in fields.items(pod, "errors"):
            if isinstance(error, dict):
                messages.append(fields.text(error, "message") or fields.text(error, "code"))
    return messages


def template_health(obj: dict[str, Any]) -> Health:
    errors = _pod_errors(obj)
    if errors:
        return degraded("; ".join(errors))
    if fields.get(obj, "status", "created") is True:
        return healthy("The constraint CRD was created")
    return progressing("Waiting for Gatekeeper to create the constraint CRD")


def enforced_health(obj: dict[str, Any]) -> Health:
    """Constraints and mutators."""
    errors = _pod_errors(obj)
    if errors:
        return degraded("; ".join(errors))
    pods = [pod for pod in fields.items(obj, "status", "byPod") if isinstance(pod, dict)]
    if pods and all(pod.get("enforced") is True for pod in pods):
        return healthy(f"Enforced by {len(pods)} Gatekeeper pod(s)")
    return progressing("Waiting for Gatekeeper to enforce it")


TABLE = CheckTable(
    {
        GroupKind(KYVERNO, "ClusterPolicy"): kyverno_policy_health,
        GroupKind(KYVERNO, "Policy"): kyverno_policy_health,
        GroupKind(KYVERNO, "CleanupPolicy"): kyverno_policy_health,
        GroupKind(KYVERNO, "ClusterCleanupPolicy"): kyverno_policy_health,
        GroupKind(KYVERNO, "UpdateRequest"): Rule(
            ready=(),
            phase=("status", "state"),
            phases=phases(
                Progressing=("Pending",), Healthy=("Completed", "Skipped"), Degraded=("Failed",)
            ),
            suspend=(),
        ),
        GroupKind("templates.gatekeeper.sh", "ConstraintTemplate"): template_health,
    },
    families=(
        Family("constraints.gatekeeper.sh", enforced_health),
        Family("mutations.gatekeeper.sh", enforced_health),
    ),
)
