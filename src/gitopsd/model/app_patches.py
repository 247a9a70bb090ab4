"""The merge patches people's actions write on an Application, other than ``operation``.

Pure functions shared by the CLI (``gitopsd app set|delete``) and the HTTP API
(``gitopsd server``): refresh and terminate requests (annotations the controller reads),
pausing and resuming automated sync (``spec.syncPolicy.automated.enabled``, as Argo CD
spells it), the automated-sync settings, and the resources finalizer that makes a delete
cascade. ``operation`` bodies live in :mod:`gitopsd.model.operations`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from gitopsd.errors import ConfigError
from gitopsd.model.annotations import (
    GITOPSD_PREFIX,
    REFRESH,
    RESOURCES_FINALIZER,
    TERMINATE_OPERATION_ANNOTATION,
)
from gitopsd.model.finalizers import is_resources_finalizer, resources_finalizers


class RefreshType(StrEnum):
    """The values of the ``refresh`` annotation (Argo CD's)."""

    NORMAL = "normal"
    HARD = "hard"


def refresh_patch(kind: RefreshType) -> dict[str, Any]:
    """Ask the controller for one pass now; it clears the annotation afterwards."""
    return {"metadata": {"annotations": {GITOPSD_PREFIX + REFRESH: str(kind)}}}


def terminate_patch() -> dict[str, Any]:
    """Ask the controller to stop the running operation (its hooks deleted, phase Failed)."""
    return {"metadata": {"annotations": {TERMINATE_OPERATION_ANNOTATION: "true"}}}


def automated_enabled(spec: dict[str, Any]) -> bool:
    """Whether automated sync is on: ``automated`` set and not ``enabled: false``."""
    automated = (spec.get("syncPolicy") or {}).get("automated")
    return isinstance(automated, dict) and automated.get("enabled") is not False


def pause_patch(spec: dict[str, Any], *, paused: bool) -> dict[str, Any] | None:
    """Turn automated sync off (``enabled: false``) or back on, keeping its settings.

    None when nothing changes; an error when the application has no automated sync to
    pause or resume.
    """
    automated = (spec.get("syncPolicy") or {}).get("automated")
    if not isinstance(automated, dict):
        raise ConfigError("automated sync is not configured: nothing to pause or resume")
    if automated_enabled(spec) != paused:
        return None
    return {"spec": {"syncPolicy": {"automated": {"enabled": not paused}}}}


def sync_policy_patch(
    spec: dict[str, Any],
    *,
    policy: str | None,
    self_heal: bool | None,
    prune: bool | None,
    allow_empty: bool | None,
) -> dict[str, Any]:
    """The merge patch of ``spec.syncPolicy.automated`` for ``app set`` (``none``: null)."""
    flags = {"selfHeal": self_heal, "prune": prune, "allowEmpty": allow_empty}
    chosen = {name: value for name, value in flags.items() if value is not None}
    if policy == "none":
        if chosen:
            raise ConfigError("--self-heal, --prune and --allow-empty need automated sync")
        return {"spec": {"syncPolicy": {"automated": None}}}
    if policy is None:
        if not chosen:
            raise ConfigError("nothing to set: give --sync-policy or an automated-sync flag")
        if (spec.get("syncPolicy") or {}).get("automated") is None:
            raise ConfigError("automated sync is off: add --sync-policy automated")
    return {"spec": {"syncPolicy": {"automated": chosen}}}


def finalizers_patch(metadata: dict[str, Any], *, cascade: bool) -> dict[str, Any] | None:
    """The patch that adds (cascade) or removes (no cascade) the resources finalizer.

    None when nothing needs to change. The resourceVersion makes the patch fail rather
    than drop a finalizer someone else added meanwhile (merge patches replace lists).
    """
    current = [str(f) for f in metadata.get("finalizers") or []]
    if cascade:
        if resources_finalizers(current):
            return None
        wanted = [*current, RESOURCES_FINALIZER]
    else:
        wanted = [f for f in current if not is_resources_finalizer(f)]
        if wanted == current:
            return None
    return {"metadata": {"finalizers": wanted, "resourceVersion": metadata.get("resourceVersion")}}
