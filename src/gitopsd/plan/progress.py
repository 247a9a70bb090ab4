"""Re-entrant waves: which step a sync pass works on, and whether it is done or failed.

Every pass the engine observes the cluster and calls :func:`next_step`, which returns the
first step not yet done; a step is only returned once every step before it is done.

When is a step done? Every regular object in it exists, is in sync and is healthy, and
every hook in it has ``Succeeded``. Health, decided here once:

- ``Healthy`` and no opinion (``None``, a kind without a health check) are done;
- ``Suspended`` is done too: a paused rollout or suspended CronJob is a steady state the
  user asked for, and waiting on it would block the sync forever;
- ``Progressing``, ``Missing`` and ``Unknown`` are not done yet;
- ``Degraded`` is not done, but does not fail the operation: the object may still recover
  (a later config, a node coming back), so the engine keeps waiting until its operation
  timeout and reports the object through :func:`waiting_on`.

Only a ``Failed`` hook fails the operation (:func:`step_failed`); the engine then runs the
``SyncFail`` steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from gitopsd.desired import DesiredObject
from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import HealthStatus, SyncPhase
from gitopsd.plan.steps import Step

DONE_HEALTH = frozenset({None, HealthStatus.HEALTHY, HealthStatus.SUSPENDED})


class HookRunPhase(StrEnum):
    """How far one hook run has got (plain strings compare equal to these)."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


@dataclass(frozen=True)
class ObjectState:
    """What the engine knows about one desired object this pass."""

    key: ResourceKey
    in_sync: bool
    health: HealthStatus | None
    exists: bool


@dataclass(frozen=True)
class HookState:
    """One hook run. ``phase`` is a :class:`HookRunPhase` value.

    ``sync_phase`` says which sync phase the run belongs to, for a hook that runs in
    several phases under one name; None means the state counts for any phase.
    """

    key: ResourceKey
    phase: str
    message: str = ""
    sync_phase: SyncPhase | None = None


def next_step(
    steps: Sequence[Step],
    states: Mapping[ResourceKey, ObjectState],
    hooks: Mapping[ResourceKey, HookState],
) -> Step | None:
    """The first step that is not done, or None when every step is done."""
    for step in steps:
        if not step_done(step, states, hooks):
            return step
    return None


def step_done(
    step: Step, states: Mapping[ResourceKey, ObjectState], hooks: Mapping[ResourceKey, HookState]
) -> bool:
    """Every object of ``step`` exists, is in sync and healthy; every hook has succeeded."""
    return not waiting_on(step, states, hooks)


def step_failed(
    step: Step, states: Mapping[ResourceKey, ObjectState], hooks: Mapping[ResourceKey, HookState]
) -> str | None:
    """Why ``step`` failed (its failed hooks, in order), or None while it has not failed.

    ``states`` is accepted for symmetry with :func:`step_done`; a Degraded object does not
    fail a step (see the module docstring).
    """
    failed = []
    for hook in step.hooks:
        state = hook_state(hook, step.phase, hooks)
        if state is not None and state.phase == HookRunPhase.FAILED:
            detail = f": {state.message}" if state.message else ""
            failed.append(f"{hook.key}: hook failed{detail}")
    return "; ".join(failed) or None


def waiting_on(
    step: Step, states: Mapping[ResourceKey, ObjectState], hooks: Mapping[ResourceKey, HookState]
) -> tuple[str, ...]:
    """What ``step`` still waits for, one ``<id>: <reason>`` line per object, in order."""
    reasons = [_object_reason(item.key, states.get(item.key)) for item in step.apply]
    reasons += [_hook_reason(hook, hook_state(hook, step.phase, hooks)) for hook in step.hooks]
    return tuple(reason for reason in reasons if reason is not None)


def _object_reason(key: ResourceKey, state: ObjectState | None) -> str | None:
    if state is None or not state.exists:
        return f"{key}: not created yet"
    if not state.in_sync:
        return f"{key}: out of sync"
    if state.health not in DONE_HEALTH:
        return f"{key}: {state.health}"
    return None


def _hook_reason(hook: DesiredObject, state: HookState | None) -> str | None:
    if state is None:
        return f"{hook.key}: hook not started"
    if state.phase != HookRunPhase.SUCCEEDED:
        return f"{hook.key}: hook {state.phase}"
    return None


def hook_state(
    hook: DesiredObject, phase: SyncPhase, hooks: Mapping[ResourceKey, HookState]
) -> HookState | None:
    """The state of ``hook``'s run in ``phase``, or None when it has not started there."""
    state = hooks.get(hook.key)
    if state is None or state.sync_phase not in (None, phase):
        return None
    return state
