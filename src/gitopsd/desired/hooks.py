"""Reading hook annotations: phases, delete policies, and names for ``generateName`` hooks.

The ``hook`` and ``hook-delete-policy`` annotations (either prefix) are comma-separated
lists. Helm's annotations are read only when the object has no ``hook`` annotation of ours,
mapped as Argo CD maps them: ``pre-install``/``pre-upgrade`` -> PreSync,
``post-install``/``post-upgrade`` -> PostSync (``crd-install`` -> PreSync, from Helm 2);
other Helm hooks (``test``, ``pre-delete``, ``post-rollback``, ...) never run in a sync.

Called by ``gitopsd.desired.building``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from gitopsd.model.annotations import HOOK, HOOK_DELETE_POLICY, annotation
from gitopsd.model.vocab import HookDeletePolicy, HookType, SyncPhase

HELM_HOOK = "helm.sh/hook"
HELM_HOOK_DELETE_POLICY = "helm.sh/hook-delete-policy"

_HELM_HOOK_TYPES = {
    "crd-install": HookType.PRE_SYNC,
    "pre-install": HookType.PRE_SYNC,
    "pre-upgrade": HookType.PRE_SYNC,
    "post-install": HookType.POST_SYNC,
    "post-upgrade": HookType.POST_SYNC,
}
_HELM_DELETE_POLICIES = {
    "before-hook-creation": HookDeletePolicy.BEFORE_HOOK_CREATION,
    "hook-succeeded": HookDeletePolicy.HOOK_SUCCEEDED,
    "hook-failed": HookDeletePolicy.HOOK_FAILED,
}
_NAME_HASH_LENGTH = 8


@dataclass(frozen=True)
class HookMarks:
    """What an object's annotations say about it as a hook.

    ``is_hook`` with no ``phases`` means the object is a hook that runs in no sync phase
    (``Skip``, a Helm test, or only phases gitopsd does not run): it is left out entirely.
    """

    is_hook: bool
    phases: tuple[HookType, ...] = ()
    delete_policies: frozenset[HookDeletePolicy] = frozenset()


def _csv(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _helm_annotation(obj: dict[str, Any], name: str) -> str | None:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(name)
    return None if value is None else str(value)


def _own_phases(value: str) -> tuple[HookType, ...]:
    known = {item.value: item for item in HookType}
    types = [known[item] for item in _csv(value) if item in known]
    if HookType.SKIP in types:
        return ()  # Skip: do not apply this object at all
    return tuple(dict.fromkeys(types))


def _helm_phases(value: str) -> tuple[HookType, ...]:
    types = [_HELM_HOOK_TYPES[item] for item in _csv(value) if item in _HELM_HOOK_TYPES]
    return tuple(dict.fromkeys(types))


def _delete_policies(obj: dict[str, Any]) -> frozenset[HookDeletePolicy]:
    known = {item.value: item for item in HookDeletePolicy}
    policies = {known[item] for item in _csv(annotation(obj, HOOK_DELETE_POLICY)) if item in known}
    helm_values = _csv(_helm_annotation(obj, HELM_HOOK_DELETE_POLICY))
    policies |= {_HELM_DELETE_POLICIES[v] for v in helm_values if v in _HELM_DELETE_POLICIES}
    # BeforeHookCreation is the default, so a re-run never collides with the last run's hook.
    return frozenset(policies or {HookDeletePolicy.BEFORE_HOOK_CREATION})


def read_hook_marks(obj: dict[str, Any]) -> HookMarks:
    """The object's hook phases (in annotation order) and delete policies."""
    own = annotation(obj, HOOK)
    if own is not None:
        phases = _own_phases(own)
    else:
        helm = _helm_annotation(obj, HELM_HOOK)
        if helm is None:
            return HookMarks(is_hook=False)
        phases = _helm_phases(helm)
    return HookMarks(is_hook=True, phases=phases, delete_policies=_delete_policies(obj))


def generated_hook_name(generate_name: str, revision: str, phase: SyncPhase, index: int) -> str:
    """A deterministic name for a hook that only has ``generateName``.

    The same revision, phase and position give the same name, so a re-entrant sync pass
    finds the hook it created; a new revision gives a new hook.
    """
    seed = f"{revision}\n{phase.value}\n{index}".encode()
    return generate_name + hashlib.sha256(seed).hexdigest()[:_NAME_HASH_LENGTH]
