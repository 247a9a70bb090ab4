"""When to delete hooks, from their delete policies (``hook-delete-policy``).

- ``BeforeHookCreation`` (the default when none is given): a hook left over from an
  earlier run is deleted before this run creates it again.
- ``HookSucceeded``: deleted once it has succeeded.
- ``HookFailed``: deleted once it has failed.

The engine keeps each hook's result in the operation state, because after the deletion
the object is gone. Called by the sync engine when it runs a step's hooks.
"""

from __future__ import annotations

from collections.abc import Mapping

from gitopsd.desired import DesiredObject
from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import HookDeletePolicy
from gitopsd.plan.progress import HookRunPhase, HookState, hook_state
from gitopsd.plan.steps import Step


def delete_before_creating(hook: DesiredObject, *, exists: bool, started_this_run: bool) -> bool:
    """True when a live copy of ``hook`` from an earlier run must go before creating it.

    ``started_this_run``: this operation already created the hook (a later pass must not
    delete the run it is waiting on).
    """
    return (
        exists and not started_this_run and HookDeletePolicy.BEFORE_HOOK_CREATION in _policies(hook)
    )


def delete_after_completion(hook: DesiredObject, state: HookState) -> bool:
    """True when ``hook`` has finished and its policy says to delete it now."""
    policies = _policies(hook)
    if state.phase == HookRunPhase.SUCCEEDED:
        return HookDeletePolicy.HOOK_SUCCEEDED in policies
    if state.phase == HookRunPhase.FAILED:
        return HookDeletePolicy.HOOK_FAILED in policies
    return False


def completed_hooks_to_delete(
    step: Step, hooks: Mapping[ResourceKey, HookState]
) -> tuple[ResourceKey, ...]:
    """The hooks of ``step`` to delete now that they finished, in the step's order."""
    return tuple(
        hook.key
        for hook in step.hooks
        if (state := hook_state(hook, step.phase, hooks)) is not None
        and delete_after_completion(hook, state)
    )


def _policies(hook: DesiredObject) -> frozenset[HookDeletePolicy]:
    return hook.hook_delete_policies or frozenset({HookDeletePolicy.BEFORE_HOOK_CREATION})
