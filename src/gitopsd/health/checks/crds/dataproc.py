"""Health of data-processing operators' kinds: Spark, Flink, Ray and Numaflow.

Registered through :mod:`gitopsd.health.checks.crds`. The Spark operator documents a
SparkApplication's ``applicationState.state`` and a ScheduledSparkApplication's
``scheduleState``; the Flink operator a deployment's ``lifecycleState`` and its job
manager's ``jobManagerDeploymentStatus``; KubeRay a RayCluster's ``state`` and a RayJob's
``jobDeploymentStatus``; Numaflow a pipeline's and a vertex's ``phase``. A Spark or Ray
application that runs is Healthy: streaming jobs run for as long as they are deployed.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.rules import Rule, phases
from gitopsd.health.checks.types import CheckTable
from gitopsd.health.result import Health, degraded
from gitopsd.model.keys import GroupKind

SPARK = "sparkoperator.k8s.io"
FLINK = "flink.apache.org"
NUMAFLOW = "numaflow.numaproj.io"

FLINK_LIFECYCLE = Rule(
    ready=(),
    phase=("status", "lifecycleState"),
    phases=phases(
        Healthy=("STABLE",),
        Progressing=("CREATED", "DEPLOYED", "UPGRADING", "ROLLING_BACK", "DELETING"),
        Degraded=("FAILED", "ROLLED_BACK"),
        Suspended=("SUSPENDED",),
    ),
    phase_message=(("status", "error"),),
    suspend=(),
)


def flink_deployment_health(obj: dict[str, Any]) -> Health | None:
    if fields.text(obj, "status", "jobManagerDeploymentStatus") == "ERROR":
        return degraded(fields.text(obj, "status", "error") or "The job manager failed")
    return FLINK_LIFECYCLE(obj)


NUMAFLOW_PHASES = phases(
    Healthy=("Running",),
    Progressing=("", "Pending", "Pausing", "Deleting"),
    Suspended=("Paused",),
    Degraded=("Failed",),
)

TABLE = CheckTable(
    {
        GroupKind(SPARK, "SparkApplication"): Rule(
            ready=(),
            phase=("status", "applicationState", "state"),
            phases=phases(
                Healthy=("COMPLETED", "RUNNING"),
                Progressing=("SUBMITTED", "PENDING_RERUN", "INVALIDATING", "SUCCEEDING", "FAILING"),
                Degraded=("FAILED", "SUBMISSION_FAILED"),
                Unknown=("UNKNOWN",),
            ),
            phase_message=(("status", "applicationState", "errorMessage"),),
            suspend=(),
        ),
        GroupKind(SPARK, "ScheduledSparkApplication"): Rule(
            ready=(),
            phase=("status", "scheduleState"),
            phases=phases(Healthy=("Scheduled",), Degraded=("FailedValidation",)),
            phase_message=(("status", "reason"),),
        ),
        GroupKind(FLINK, "FlinkDeployment"): flink_deployment_health,
        GroupKind(FLINK, "FlinkSessionJob"): FLINK_LIFECYCLE,
        GroupKind("ray.io", "RayCluster"): Rule(
            ready=(),
            phase=("status", "state"),
            phases=phases(Healthy=("ready",), Degraded=("failed",), Suspended=("suspended",)),
            other_phase=None,
            phase_message=(("status", "reason"),),
            suspend=(("spec", "suspend"),),
        ),
        GroupKind("ray.io", "RayJob"): Rule(
            ready=(),
            phase=("status", "jobDeploymentStatus"),
            phases=phases(
                Healthy=("Complete",),
                Degraded=("Failed", "ValidationFailed"),
                Suspended=("Suspended",),
                Progressing=("New", "Initializing", "Running", "Waiting", "Retrying", "Suspending"),
            ),
            phase_message=(("status", "message"),),
        ),
        GroupKind(NUMAFLOW, "Pipeline"): Rule(ready=(), phases=NUMAFLOW_PHASES, suspend=()),
        GroupKind(NUMAFLOW, "MonoVertex"): Rule(ready=(), phases=NUMAFLOW_PHASES, suspend=()),
        GroupKind(NUMAFLOW, "InterStepBufferService"): Rule(
            ready=(), phases=NUMAFLOW_PHASES, suspend=()
        ),
    }
)
