"""Health of Velero's kinds: backups, restores, schedules, storage locations and the
data movers.

Registered through :mod:`gitopsd.health.checks.crds`. Every Velero kind reports a
``status.phase`` from a documented vocabulary; the tables below map each value. A
partially failed backup or restore is Degraded: some items were not protected.
"""

from __future__ import annotations

from gitopsd.health.checks.rules import Rule, phases
from gitopsd.health.checks.types import CheckTable
from gitopsd.model.keys import GroupKind
from gitopsd.model.vocab import HealthStatus

GROUP = "velero.io"
FAILED = ("PartiallyFailed", "Failed", "FailedValidation")
WORKING = (
    "New",
    "InProgress",
    "WaitingForPluginOperations",
    "WaitingForPluginOperationsPartiallyFailed",
    "Finalizing",
    "FinalizingPartiallyFailed",
    "Deleting",
)
MOVER = phases(
    Progressing=("", "New", "Accepted", "Prepared", "InProgress", "Canceling"),
    Healthy=("Completed",),
    Degraded=("Failed", "Canceled"),
)


def velero(table: dict[str, HealthStatus], *, suspend: bool = False) -> Rule:
    return Rule(
        ready=(),
        phases=table,
        phase_message=(("status", "failureReason"), ("status", "message")),
        suspend=(("spec", "paused"),) if suspend else (),
        observed_generation=False,
    )


TABLE = CheckTable(
    {
        GroupKind(GROUP, "Backup"): velero(
            phases(Healthy=("Completed",), Degraded=FAILED, Progressing=WORKING)
        ),
        GroupKind(GROUP, "Restore"): velero(
            phases(Healthy=("Completed",), Degraded=FAILED, Progressing=WORKING)
        ),
        GroupKind(GROUP, "Schedule"): velero(
            phases(Progressing=("New",), Healthy=("Enabled",), Degraded=("FailedValidation",)),
            suspend=True,
        ),
        GroupKind(GROUP, "BackupStorageLocation"): velero(
            phases(Healthy=("Available",), Degraded=("Unavailable",))
        ),
        GroupKind(GROUP, "VolumeSnapshotLocation"): velero(
            phases(Healthy=("Available",), Degraded=("Unavailable",))
        ),
        GroupKind(GROUP, "BackupRepository"): velero(
            phases(Progressing=("New",), Healthy=("Ready",), Degraded=("NotReady",))
        ),
        GroupKind(GROUP, "PodVolumeBackup"): velero(MOVER),
        GroupKind(GROUP, "PodVolumeRestore"): velero(MOVER),
        GroupKind(GROUP, "DataUpload"): velero(MOVER),
        GroupKind(GROUP, "DataDownload"): velero(MOVER),
    }
)
