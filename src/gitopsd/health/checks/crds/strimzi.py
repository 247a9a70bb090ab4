"""Health of Strimzi's Kafka kinds.

Registered through :mod:`gitopsd.health.checks.crds`. Written from Strimzi's documented
status: every custom resource has ``Ready`` or ``NotReady`` conditions (``NotReady`` with
reason ``Creating`` while the cluster comes up, otherwise the error), ``Warning``
conditions, and ``ReconciliationPaused`` under the ``strimzi.io/pause-reconciliation``
annotation. A KafkaConnector also reports its connector's and tasks' state
(``RUNNING``/``PAUSED``/``STOPPED``/``FAILED``); a KafkaRebalance moves through
``PendingProposal``, ``ProposalReady``, ``Rebalancing`` and ``Ready``; a KafkaNodePool
reports the node IDs it was given; a StrimziPodSet counts ready pods.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.rules import condition_message, waiting_for_generation
from gitopsd.health.checks.types import CheckTable
from gitopsd.health.result import Health, degraded, healthy, progressing, suspended
from gitopsd.model.keys import GroupKind

GROUP = "kafka.strimzi.io"
_STARTING = frozenset({"Creating", "Initializing", "Pending"})


def _stale(obj: dict[str, Any]) -> Health | None:
    observed = fields.get(obj, "status", "observedGeneration")
    if observed is not None and fields.as_int(observed) < fields.generation(obj):
        return waiting_for_generation(fields.generation(obj))
    return None


def strimzi_health(obj: dict[str, Any]) -> Health:
    stale = _stale(obj)
    if stale is not None:
        return stale
    paused = fields.condition(obj, "ReconciliationPaused")
    if fields.is_true(paused):
        return suspended(condition_message(paused) or "Reconciliation is paused")
    not_ready = fields.condition(obj, "NotReady")
    if fields.is_true(not_ready):
        message = condition_message(not_ready) or "Not ready"
        if fields.text(not_ready or {}, "reason") in _STARTING:
            return progressing(message)
        return degraded(message)
    ready = fields.condition(obj, "Ready")
    if fields.is_true(ready):
        warnings = [
            condition_message(c) for c in fields.conditions(obj) if c.get("type") == "Warning"
        ]
        return healthy("; ".join(w for w in warnings if w))
    if fields.is_false(ready):
        return degraded(condition_message(ready) or "Not ready")
    return progressing(f"Waiting for the Strimzi operator to report on the {obj.get('kind')}")


def connector_health(obj: dict[str, Any]) -> Health:
    base = strimzi_health(obj)
    if base.status != "Healthy":
        return base
    connector = fields.text(obj, "status", "connectorStatus", "connector", "state")
    tasks = [
        fields.text(task, "state")
        for task in fields.items(obj, "status", "connectorStatus", "tasks")
        if isinstance(task, dict)
    ]
    if connector == "FAILED" or "FAILED" in tasks:
        trace = fields.text(obj, "status", "connectorStatus", "connector", "trace")
        detail = f": {trace.splitlines()[0]}" if trace else ""
        return degraded(f"The connector or one of its tasks failed{detail}")
    if connector in ("PAUSED", "STOPPED"):
        return suspended(f"The connector is {connector.lower()}")
    return base


def rebalance_health(obj: dict[str, Any]) -> Health:
    for condition_type, verdict in (
        ("ReconciliationPaused", suspended),
        ("NotReady", degraded),
        ("Stopped", suspended),
        ("ProposalReady", suspended),
        ("Rebalancing", progressing),
        ("PendingProposal", progressing),
        ("New", progressing),
        ("Ready", healthy),
    ):
        entry = fields.condition(obj, condition_type)
        if fields.is_true(entry):
            detail = {"ProposalReady": "The optimization proposal waits for approval"}
            return verdict(condition_message(entry) or detail.get(condition_type, condition_type))
    return progressing("Waiting for the Strimzi operator to report on the rebalance")


def node_pool_health(obj: dict[str, Any]) -> Health:
    stale = _stale(obj)
    if stale is not None:
        return stale
    nodes = fields.items(obj, "status", "nodeIds")
    wanted = fields.integer(obj, "spec", "replicas")
    if len(nodes) < wanted:
        return progressing(f"{len(nodes)} of {wanted} nodes assigned")
    return healthy(f"{len(nodes)} nodes assigned")


def pod_set_health(obj: dict[str, Any]) -> Health:
    stale = _stale(obj)
    if stale is not None:
        return stale
    wanted = len(fields.items(obj, "spec", "pods"))
    ready = fields.integer(obj, "status", "readyPods")
    if ready < wanted:
        return progressing(f"{ready} of {wanted} pods ready")
    return healthy(f"{ready} pods ready")


TABLE = CheckTable(
    {
        **{
            GroupKind(GROUP, kind): strimzi_health
            for kind in (
                "Kafka",
                "KafkaTopic",
                "KafkaUser",
                "KafkaConnect",
                "KafkaMirrorMaker2",
                "KafkaBridge",
            )
        },
        GroupKind(GROUP, "KafkaConnector"): connector_health,
        GroupKind(GROUP, "KafkaRebalance"): rebalance_health,
        GroupKind(GROUP, "KafkaNodePool"): node_pool_health,
        GroupKind("core.strimzi.io", "StrimziPodSet"): pod_set_health,
    }
)
