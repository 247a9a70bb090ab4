"""Closed vocabularies as ``StrEnum``s, spelled as Argo CD spells them in status."""

from __future__ import annotations

from enum import StrEnum


class HealthStatus(StrEnum):
    HEALTHY = "Healthy"
    SUSPENDED = "Suspended"
    PROGRESSING = "Progressing"
    MISSING = "Missing"
    DEGRADED = "Degraded"
    UNKNOWN = "Unknown"


# Worst wins when aggregating; the order follows Argo CD's (Healthy best, Degraded worst,
# Unknown between Progressing and Missing so an unknown resource does not mask a failure).
HEALTH_SEVERITY: dict[HealthStatus, int] = {
    HealthStatus.HEALTHY: 0,
    HealthStatus.SUSPENDED: 1,
    HealthStatus.PROGRESSING: 2,
    HealthStatus.UNKNOWN: 3,
    HealthStatus.MISSING: 4,
    HealthStatus.DEGRADED: 5,
}


def worst_health(statuses: list[HealthStatus]) -> HealthStatus:
    """The worst of ``statuses``; Healthy for an empty list."""
    if not statuses:
        return HealthStatus.HEALTHY
    return max(statuses, key=HEALTH_SEVERITY.__getitem__)


class SyncStatus(StrEnum):
    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    UNKNOWN = "Unknown"


class SyncPhase(StrEnum):
    """Hook phases, in execution order (SyncFail runs only after a failure)."""

    PRE_SYNC = "PreSync"
    SYNC = "Sync"
    POST_SYNC = "PostSync"
    SYNC_FAIL = "SyncFail"


class HookType(StrEnum):
    PRE_SYNC = "PreSync"
    SYNC = "Sync"
    POST_SYNC = "PostSync"
    SYNC_FAIL = "SyncFail"
    SKIP = "Skip"


class HookDeletePolicy(StrEnum):
    BEFORE_HOOK_CREATION = "BeforeHookCreation"
    HOOK_SUCCEEDED = "HookSucceeded"
    HOOK_FAILED = "HookFailed"


class OperationPhase(StrEnum):
    RUNNING = "Running"
    TERMINATING = "Terminating"
    FAILED = "Failed"
    ERROR = "Error"
    SUCCEEDED = "Succeeded"


class Consent(StrEnum):
    """``Prune=`` and ``Delete=`` sync options: allowed, never, or only once a person
    confirms."""

    ALLOWED = "true"
    NEVER = "false"
    CONFIRM = "confirm"


class PropagationPolicy(StrEnum):
    """How a delete reaches an object's dependents, spelled as the Kubernetes delete call
    wants it (``PrunePropagationPolicy=``, the resources finalizer's variants)."""

    FOREGROUND = "Foreground"
    BACKGROUND = "Background"
    ORPHAN = "Orphan"


class ResultCode(StrEnum):
    """Per-object outcome of one sync pass."""

    CREATED = "created"
    CONFIGURED = "configured"
    UNCHANGED = "unchanged"
    PRUNED = "pruned"
    SKIPPED = "skipped"
    FAILED = "failed"
    # A hook whose name an earlier operation's copy still holds: that copy is being
    # deleted, and the hook is created again on a later pass ("recreated hook").
    RECREATING = "recreating"
