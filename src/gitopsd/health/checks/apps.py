"""Health of the ``apps`` workload controllers: Deployment, StatefulSet, DaemonSet, ReplicaSet.

Registered in :mod:`gitopsd.health.checks.core`. The rules follow
``kubectl rollout status``: first the controller must have observed the latest spec
(``status.observedGeneration`` vs ``metadata.generation``), then the replica counters
must show the rollout finished.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.result import Health, degraded, healthy, progressing, suspended


def deployment_health(obj: dict[str, Any]) -> Health:
    if fields.get(obj, "spec", "paused") is True:
        return suspended("Deployment is paused")
    if fields.generation(obj) > fields.observed_generation(obj):
        return progressing(
            "Waiting for rollout to finish: observed deployment generation less than desired "
            "generation"
        )
    progress = fields.condition(obj, "Progressing")
    if progress is not None and progress.get("reason") == "ProgressDeadlineExceeded":
        return degraded(f'Deployment "{fields.name(obj)}" exceeded its progress deadline')
    return _replica_rollout(obj) or healthy()


def _replica_rollout(obj: dict[str, Any]) -> Health | None:
    """Progressing while new replicas are created, old ones removed, new ones not available."""
    wanted = fields.desired_replicas(obj)
    total = fields.integer(obj, "status", "replicas")
    updated = fields.integer(obj, "status", "updatedReplicas")
    available = fields.integer(obj, "status", "availableReplicas")
    if updated < wanted:
        return progressing(
            f"Waiting for rollout to finish: {updated} out of {wanted} new replicas have been "
            "updated..."
        )
    if total > updated:
        return progressing(
            f"Waiting for rollout to finish: {total - updated} old replicas are pending "
            "termination..."
        )
    if available < updated:
        return progressing(
            f"Waiting for rollout to finish: {available} of {updated} updated replicas are "
            "available..."
        )
    return None


def statefulset_health(obj: dict[str, Any]) -> Health:
    observed = fields.observed_generation(obj)
    # A StatefulSet the controller has never seen reports observedGeneration 0 (or none).
    if observed == 0 or fields.generation(obj) > observed:
        return progressing("Waiting for statefulset spec update to be observed...")
    wanted = fields.desired_replicas(obj)
    ready = fields.integer(obj, "status", "readyReplicas")
    if ready < wanted:
        return progressing(f"Waiting for {wanted - ready} pods to be ready...")
    updated = fields.integer(obj, "status", "updatedReplicas")
    if fields.text(obj, "spec", "updateStrategy", "type") == "OnDelete":
        return healthy(f"statefulset has {ready} ready pods")
    partition = fields.integer(obj, "spec", "updateStrategy", "rollingUpdate", "partition")
    if updated < wanted - partition:
        return progressing(
            f"Waiting for partitioned roll out to finish: {updated} out of {wanted - partition} "
            "new pods have been updated..."
            if partition
            else f"Waiting for rolling update to finish: {updated} out of {wanted} new pods have "
            "been updated..."
        )
    if partition:
        return healthy(f"partitioned roll out complete: {updated} new pods have been updated...")
    revision = fields.text(obj, "status", "updateRevision")
    return healthy(
        f"statefulset rolling update complete {updated} pods at revision {revision}..."
        if revision
        else f"statefulset rolling update complete {updated} pods"
    )


def daemonset_health(obj: dict[str, Any]) -> Health:
    if fields.generation(obj) > fields.observed_generation(obj):
        return progressing(
            "Waiting for rollout to finish: observed daemon set generation less than desired "
            "generation"
        )
    name = fields.name(obj)
    wanted = fields.integer(obj, "status", "desiredNumberScheduled")
    updated = fields.integer(obj, "status", "updatedNumberScheduled")
    available = fields.integer(obj, "status", "numberAvailable")
    if fields.text(obj, "spec", "updateStrategy", "type") == "OnDelete":
        return healthy(f"daemon set {updated} out of {wanted} new pods have been updated")
    if updated < wanted:
        return progressing(
            f'Waiting for daemon set "{name}" rollout to finish: {updated} out of {wanted} new '
            "pods have been updated..."
        )
    if available < wanted:
        return progressing(
            f'Waiting for daemon set "{name}" rollout to finish: {available} of {wanted} updated '
            "pods are available..."
        )
    return healthy()


def replicaset_health(obj: dict[str, Any]) -> Health:
    if fields.generation(obj) > fields.observed_generation(obj):
        return progressing(
            "Waiting for rollout to finish: observed replica set generation less than desired "
            "generation"
        )
    failure = fields.condition(obj, "ReplicaFailure")
    if failure is not None and fields.is_true(failure):
        return degraded(fields.text(failure, "message"))
    wanted = fields.desired_replicas(obj)
    available = fields.integer(obj, "status", "availableReplicas")
    if available < wanted:
        return progressing(
            f"Waiting for rollout to finish: {available} out of {wanted} new replicas are "
            "available..."
        )
    return healthy()
