"""Built-in health checks, one small function per kind, dispatched by ``GroupKind``.

Called by :class:`gitopsd.health.assess.HealthAssessor` when no Lua customization covers
an object's kind. Kinds without an entry in :data:`BUILTIN_CHECKS` go to the generic
condition-based fallback, which may have no opinion (``None``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gitopsd.health.checks.applications import application_health
from gitopsd.health.checks.apps import (
    daemonset_health,
    deployment_health,
    replicaset_health,
    statefulset_health,
)
from gitopsd.health.checks.batch import cronjob_health, job_health
from gitopsd.health.checks.generic import generic_health
from gitopsd.health.checks.networking import ingress_health, service_health
from gitopsd.health.checks.platform import (
    apiservice_health,
    crd_health,
    hpa_health,
    namespace_health,
    pvc_health,
)
from gitopsd.health.checks.pods import pod_health
from gitopsd.health.result import Health
from gitopsd.model.keys import GroupKind

Check = Callable[[dict[str, Any]], Health]

BUILTIN_CHECKS: Mapping[GroupKind, Check] = {
    GroupKind("apps", "Deployment"): deployment_health,
    GroupKind("extensions", "Deployment"): deployment_health,
    GroupKind("apps", "StatefulSet"): statefulset_health,
    GroupKind("apps", "DaemonSet"): daemonset_health,
    GroupKind("extensions", "DaemonSet"): daemonset_health,
    GroupKind("apps", "ReplicaSet"): replicaset_health,
    GroupKind("extensions", "ReplicaSet"): replicaset_health,
    GroupKind("", "Pod"): pod_health,
    GroupKind("", "Service"): service_health,
    GroupKind("networking.k8s.io", "Ingress"): ingress_health,
    GroupKind("extensions", "Ingress"): ingress_health,
    GroupKind("", "PersistentVolumeClaim"): pvc_health,
    GroupKind("", "Namespace"): namespace_health,
    GroupKind("batch", "Job"): job_health,
    GroupKind("batch", "CronJob"): cronjob_health,
    GroupKind("autoscaling", "HorizontalPodAutoscaler"): hpa_health,
    GroupKind("apiregistration.k8s.io", "APIService"): apiservice_health,
    GroupKind("apiextensions.k8s.io", "CustomResourceDefinition"): crd_health,
    GroupKind("gitopsd.io", "Application"): application_health,
    GroupKind("argoproj.io", "Application"): application_health,
}


def builtin_health(obj: dict[str, Any]) -> Health | None:
    """The built-in check for ``obj``'s kind, else the generic fallback."""
    check = BUILTIN_CHECKS.get(GroupKind.of(obj))
    if check is None:
        return generic_health(obj)
    return check(obj)


__all__ = ["BUILTIN_CHECKS", "Check", "builtin_health"]
