"""What Kubernetes' own controllers would write into status, for tests to call explicitly
between reconcile passes: a workload finishing its rollout, a Job completing or failing, a
Pod reaching a phase. Nothing runs by itself; a scenario says when each one happens."""

from __future__ import annotations

from gitopsd.memory.cluster import MemoryCluster
from gitopsd.model.keys import ResourceKey
from gitopsd.ports import KubeObject

CONTROLLER = "kube-controller-manager"


def roll_out(cluster: MemoryCluster, key: ResourceKey) -> KubeObject:
    """A Deployment, StatefulSet, DaemonSet or ReplicaSet whose replicas are all updated,
    ready and available at its current generation."""
    live = _live(cluster, key)
    replicas = int((live.get("spec") or {}).get("replicas", 1))
    generation = int(live["metadata"].get("generation") or 1)
    status: KubeObject = {
        "observedGeneration": generation,
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": replicas,
        "availableReplicas": replicas,
    }
    if key.kind == "Deployment":
        status["conditions"] = [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
        ]
    elif key.kind == "StatefulSet":
        status.update(currentReplicas=replicas, updateRevision=f"{key.name}-1")
    elif key.kind == "DaemonSet":
        status = {
            "observedGeneration": generation,
            "desiredNumberScheduled": 1,
            "currentNumberScheduled": 1,
            "updatedNumberScheduled": 1,
            "numberReady": 1,
            "numberAvailable": 1,
        }
    return cluster.set_status(key, status, manager=CONTROLLER)


def stall(
    cluster: MemoryCluster, key: ResourceKey, message: str = "deadline exceeded"
) -> KubeObject:
    """A Deployment whose rollout exceeded its progress deadline (Degraded)."""
    live = _live(cluster, key)
    status = {
        "observedGeneration": int(live["metadata"].get("generation") or 1),
        "conditions": [
            {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": message,
            }
        ],
    }
    return cluster.set_status(key, status, manager=CONTROLLER)


def complete_job(cluster: MemoryCluster, key: ResourceKey) -> KubeObject:
    _live(cluster, key)
    status = {
        "succeeded": 1,
        "conditions": [
            {"type": "SuccessCriteriaMet", "status": "True"},
            {"type": "Complete", "status": "True"},
        ],
    }
    return cluster.set_status(key, status, manager=CONTROLLER)


def fail_job(
    cluster: MemoryCluster, key: ResourceKey, message: str = "BackoffLimitExceeded"
) -> KubeObject:
    _live(cluster, key)
    status = {
        "failed": 1,
        "conditions": [
            {"type": "FailureTarget", "status": "True"},
            {
                "type": "Failed",
                "status": "True",
                "reason": "BackoffLimitExceeded",
                "message": message,
            },
        ],
    }
    return cluster.set_status(key, status, manager=CONTROLLER)


def pod_phase(cluster: MemoryCluster, key: ResourceKey, phase: str) -> KubeObject:
    _live(cluster, key)
    return cluster.set_status(key, {"phase": phase}, manager="kubelet")


def _live(cluster: MemoryCluster, key: ResourceKey) -> KubeObject:
    live = cluster.stored(key)
    if live is None:
        raise AssertionError(f"{key}: not in the cluster")
    return live
