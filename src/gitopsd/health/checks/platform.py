"""Health of cluster plumbing kinds: PersistentVolumeClaim, Namespace,
HorizontalPodAutoscaler, APIService and CustomResourceDefinition.

Registered in :data:`gitopsd.health.checks.BUILTIN_CHECKS`. Each reads the one phase or
condition its controller publishes for "ready to use".
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.result import Health, degraded, healthy, progressing, unknown

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


def hpa_health(obj: dict[str, Any]) -> Health:
    for entry in fields.conditions(obj):
        if (
            entry.get("type") in _HPA_CONDITIONS
            and fields.is_false(entry)
            and fields.text(entry, "reason").startswith(_HPA_FAILURE_PREFIXES)
        ):
            return degraded(fields.text(entry, "message") or fields.text(entry, "reason"))
    able = fields.condition(obj, "AbleToScale")
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
