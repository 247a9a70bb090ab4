"""Health of platform operators' kinds: KubeVirt and CDI, the Operator Lifecycle Manager,
OpenShift routes and deployment configs, Karpenter, Capsule and Keycloak.

Registered through :mod:`gitopsd.health.checks.crds`. KubeVirt documents a VM's
``printableStatus`` and a VMI's ``phase``; CDI a DataVolume's ``phase``; OLM a
Subscription's ``state`` and failure conditions, a ClusterServiceVersion's and an
InstallPlan's ``phase``, a CatalogSource's ``connectionState``; OpenShift a Route's
per-router ``Admitted`` condition and a DeploymentConfig's replica counters and
``Progressing`` reason; Karpenter, Keycloak and Capsule their conditions and states.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.apps import deployment_health
from gitopsd.health.checks.rules import Rule, condition_message, phases
from gitopsd.health.checks.types import CheckTable
from gitopsd.health.result import Health, degraded, healthy, progressing
from gitopsd.model.keys import GroupKind
from gitopsd.model.vocab import HealthStatus

OLM = "operators.coreos.com"
KUBEVIRT = "kubevirt.io"


def route_health(obj: dict[str, Any]) -> Health:
    routers = [entry for entry in fields.items(obj, "status", "ingress") if isinstance(entry, dict)]
    if not routers:
        return progressing("Waiting for a router to admit the route")
    for router in routers:
        admitted = fields.own_condition(router, "Admitted")
        name = fields.text(router, "routerName") or "router"
        if fields.is_false(admitted):
            return degraded(f"{name}: {condition_message(admitted)}")
        if not fields.is_true(admitted):
            return progressing(f"Waiting for {name} to admit the route")
    return healthy(f"Admitted by {len(routers)} router(s)")


def catalog_source_health(obj: dict[str, Any]) -> Health:
    state = fields.text(obj, "status", "connectionState", "lastObservedState")
    if state == "READY":
        return healthy("The catalog is serving")
    if state == "TRANSIENT_FAILURE":
        return degraded(f"The catalog connection is failing ({state})")
    if fields.text(obj, "spec", "sourceType") in ("internal", "configmap") and not state:
        return healthy("")
    return progressing(f"The catalog connection is {state or 'not established yet'}")


VM_PHASES = phases(
    Healthy=("Running",),
    Suspended=("Stopped", "Paused"),
    Progressing=(
        "Provisioning",
        "Starting",
        "Stopping",
        "Terminating",
        "Migrating",
        "WaitingForVolumeBinding",
        "WaitingForReceiver",
    ),
    Degraded=(
        "CrashLoopBackOff",
        "ErrorUnschedulable",
        "ErrImagePull",
        "ImagePullBackOff",
        "ErrorPvcNotFound",
        "ErrorDataVolumeNotFound",
        "DataVolumeError",
        "Unknown",
    ),
)

TABLE = CheckTable(
    {
        GroupKind(KUBEVIRT, "VirtualMachine"): Rule(
            bad_when_true=("Failure",),
            phase=("status", "printableStatus"),
            phases=VM_PHASES,
            suspend=(),
        ),
        GroupKind(KUBEVIRT, "VirtualMachineInstance"): Rule(
            phases=phases(
                Progressing=("Pending", "Scheduling", "Scheduled"),
                Healthy=("Succeeded",),
                Degraded=("Failed",),
                Unknown=("Unknown",),
            ),
            suspend=(),
        ),
        GroupKind("cdi.kubevirt.io", "DataVolume"): Rule(
            ready=(),
            phases=phases(Healthy=("Succeeded",), Degraded=("Failed",), Suspended=("Paused",)),
            other_phase=HealthStatus.PROGRESSING,
            suspend=(),
        ),
        GroupKind(OLM, "Subscription"): Rule(
            ready=(),
            bad_when_true=(
                "ResolutionFailed",
                "InstallPlanFailed",
                "CatalogSourcesUnhealthy",
                "InstallPlanMissing",
            ),
            busy_when_true=("InstallPlanPending",),
            phase=("status", "state"),
            phases=phases(
                Healthy=("AtLatestKnown",), Progressing=("UpgradePending", "UpgradeAvailable")
            ),
            suspend=(),
        ),
        GroupKind(OLM, "ClusterServiceVersion"): Rule(
            ready=(),
            phases=phases(
                Healthy=("Succeeded",),
                Degraded=("Failed",),
                Progressing=("Pending", "InstallReady", "Installing", "Replacing", "Deleting"),
                Unknown=("Unknown",),
            ),
            suspend=(),
        ),
        GroupKind(OLM, "InstallPlan"): Rule(
            ready=(),
            phases=phases(
                Healthy=("Complete",),
                Degraded=("Failed",),
                Suspended=("RequiresApproval",),
                Progressing=("Planning", "Installing"),
            ),
            suspend=(),
        ),
        GroupKind(OLM, "CatalogSource"): catalog_source_health,
        GroupKind("route.openshift.io", "Route"): route_health,
        GroupKind("apps.openshift.io", "DeploymentConfig"): deployment_health,
        GroupKind("karpenter.sh", "NodePool"): Rule(suspend=()),
        GroupKind("karpenter.sh", "NodeClaim"): Rule(suspend=()),
        GroupKind("karpenter.k8s.aws", "EC2NodeClass"): Rule(suspend=()),
        GroupKind("capsule.clastix.io", "Tenant"): Rule(
            ready=(),
            phase=("status", "state"),
            phases=phases(Healthy=("Active",), Suspended=("Cordoned",)),
            suspend=(),
        ),
        GroupKind("k8s.keycloak.org", "Keycloak"): Rule(
            bad_when_true=("HasErrors",), busy_when_true=("RollingUpdate",), suspend=()
        ),
        GroupKind("k8s.keycloak.org", "KeycloakRealmImport"): Rule(
            ready=("Done",), bad_when_true=("HasErrors",), busy_when_true=("Started",), suspend=()
        ),
    }
)
