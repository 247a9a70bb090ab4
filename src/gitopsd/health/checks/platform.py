"""Health of cluster plumbing kinds: PersistentVolumeClaim, PersistentVolume, Namespace,
HorizontalPodAutoscaler, PodDisruptionBudget, APIService and CustomResourceDefinition.

Registered in :mod:`gitopsd.health.checks.core`. Each reads the one phase or condition
its controller publishes for "ready to use".
"""

from __future__ import annotations

import json
from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.result import Health, degraded, healthy, progressing, unknown

# autoscaling/v1 has no conditions field; the API server publishes them in this annotation.
HPA_CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"
# HPA conditions whose False status means the autoscaler cannot do its job (as opposed to
# ScalingDisabled, which is a deliberate scale to zero).
_HPA_CONDITIONS = ("AbleToScale", "ScalingActive")
_HPA_FAILURE_PREFIXES = ("Failed", "Invalid")


def pvc_health(obj: dict[str, Any]) -> Health:
    phase = fields.text(obj, "status", "phase")
    if phase == "Bound":
        return healthy()
    if phase in ("Pending", ""):
        return progressing("Waiting for the claim to be bound")
    if phase == "Lost":
        return degraded("The claim lost its volume")
    return unknown(f"The claim is in unknown phase {phase!r}")


def namespace_health(obj: dict[str, Any]) -> Health:
    if fields.text(obj, "status", "phase") == "Terminating":
        return progressing("Namespace is terminating")
    return healthy()


def pv_health(obj: dict[str, Any]) -> Health:
    phase = fields.text(obj, "status", "phase")
    if phase in ("Available", "Bound"):
        return healthy()
    if phase == "Released":
        return healthy("The volume was released by its claim")
    if phase == "Failed":
        return degraded(fields.text(obj, "status", "message") or "The volume failed reclamation")
    return progressing(f"The volume is {phase}" if phase else "Waiting for the volume")


def pdb_health(obj: dict[str, Any]) -> Health:
    if fields.generation(obj) > fields.observed_generation(obj):
        return progressing("Waiting for the disruption budget to be observed")
    healthy_pods = fields.integer(obj, "status", "currentHealthy")
    wanted = fields.integer(obj, "status", "desiredHealthy")
    if healthy_pods < wanted:
        return degraded(f"{healthy_pods} healthy pods, {wanted} required: no disruption is allowed")
    return healthy(f"{healthy_pods} healthy pods, {wanted} required")


def hpa_conditions(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """``status.conditions``, or for ``autoscaling/v1`` the conditions annotation."""
    listed = fields.conditions(obj)
    if listed:
        return listed
    encoded = fields.text(obj, "metadata", "annotations", HPA_CONDITIONS_ANNOTATION)
    try:
        decoded = json.loads(encoded) if encoded else []
    except ValueError:
        return []
    return (
        [entry for entry in decoded if isinstance(entry, dict)] if isinstance(decoded, list) else []
    )


def hpa_health(obj: dict[str, Any]) -> Health:
    conditions = hpa_conditions(obj)
    for entry in conditions:
        if (
            entry.get("type") in _HPA_CONDITIONS
            and fields.is_false(entry)
            and fields.text(entry, "reason").startswith(_HPA_FAILURE_PREFIXES)
        ):
            return degraded(fields.text(entry, "message") or fields.text(entry, "reason"))
    able = next((entry for entry in conditions if entry.get("type") == "AbleToScale"), None)
    if able is not None and fields.is_true(able):
        return healthy(fields.text(able, "message"))
    return progressing("Waiting to autoscale")


def apiservice_health(obj: dict[str, Any]) -> Health:
    available = fields.condition(obj, "Available")
    if available is None:
        return progressing("Waiting to be processed")
    if fields.is_true(available):
        return healthy(fields.reason_and_message(available))
    # An aggregated API server that is still starting looks the same as a broken one.
    return progressing(fields.reason_and_message(available))


def crd_health(obj: dict[str, Any]) -> Health:
    terminating = fields.condition(obj, "Terminating")
    if fields.get(obj, "metadata", "deletionTimestamp") or fields.is_true(terminating):
        return progressing("CRD is terminating")
    names = fields.condition(obj, "NamesAccepted")
    if names is not None and fields.is_false(names):
        return degraded(f"CRD names have not been accepted: {fields.text(names, 'message')}")
    schema = fields.condition(obj, "NonStructuralSchema")
    if schema is not None and fields.is_true(schema):
        return degraded(f"CRD schema is not structural: {fields.text(schema, 'message')}")
    established = fields.condition(obj, "Established")
    if established is not None and fields.is_true(established):
        return healthy(fields.text(established, "message"))
    return progressing("Waiting for the CRD to be established")


def snapshot_health(obj: dict[str, Any]) -> Health:
    """VolumeSnapshot and VolumeSnapshotContent (``snapshot.storage.k8s.io``)."""
    error = fields.text(obj, "status", "error", "message")
    if error:
        return degraded(error)
    if fields.get(obj, "status", "readyToUse") is True:
        return healthy("The snapshot is ready to use")
    return progressing("Waiting for the snapshot to be ready to use")


def csr_health(obj: dict[str, Any]) -> Health:
    for condition_type in ("Denied", "Failed"):
        entry = fields.condition(obj, condition_type)
        if fields.is_true(entry):
            return degraded(fields.reason_and_message(entry or {}) or condition_type)
    if fields.text(obj, "status", "certificate"):
        return healthy("The certificate was issued")
    if fields.is_true(fields.condition(obj, "Approved")):
        return progressing("Approved, waiting for the certificate to be issued")
    return progressing("Waiting for the request to be approved")
