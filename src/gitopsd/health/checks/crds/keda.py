"""Health of KEDA's ScaledObject and ScaledJob.

Registered through :mod:`gitopsd.health.checks.crds`. KEDA documents the conditions
``Ready`` (the scaler and its target are valid), ``Active`` (scaling from a trigger),
``Fallback`` (the scaler fails and fallback replicas apply) and ``Paused`` (the
``autoscaling.keda.sh/paused`` annotations). A fallback in force is Degraded: the
workload is no longer scaled by its metric.
"""

from __future__ import annotations

from gitopsd.health.checks.rules import Rule
from gitopsd.health.checks.types import CheckTable
from gitopsd.model.keys import GroupKind

SCALER = Rule(bad_when_true=("Fallback",), paused_when_true=("Paused",), suspend=())

TABLE = CheckTable(
    {
        GroupKind("keda.sh", "ScaledObject"): SCALER,
        GroupKind("keda.sh", "ScaledJob"): SCALER,
    }
)
