"""The sync plan: steps by phase, wave and kind; re-entrant progress; hooks; the prune set.

The order itself is written down once, in :mod:`gitopsd.desired.order`. The sync engine
calls :func:`plan_steps` and :func:`next_step` every pass, :func:`step_failed` to decide
when to run :func:`sync_fail_steps`, the hook-cleanup helpers around hook runs, and
:func:`prune_set` / :func:`deletion_set` for what to delete.
"""

from gitopsd.model.vocab import Consent, PropagationPolicy
from gitopsd.plan.hook_cleanup import (
    completed_hooks_to_delete,
    delete_after_completion,
    delete_before_creating,
)
from gitopsd.plan.progress import (
    HookRunPhase,
    HookState,
    ObjectState,
    hook_state,
    next_step,
    step_done,
    step_failed,
    waiting_on,
)
from gitopsd.plan.pruning import (
    KeptObject,
    PruneItem,
    PrunePlan,
    confirmed,
    deletion_set,
    may_prune,
    prune_set,
)
from gitopsd.plan.steps import Step, plan_steps, sync_fail_steps

__all__ = [
    "Consent",
    "HookRunPhase",
    "HookState",
    "KeptObject",
    "ObjectState",
    "PropagationPolicy",
    "PruneItem",
    "PrunePlan",
    "Step",
    "completed_hooks_to_delete",
    "confirmed",
    "delete_after_completion",
    "delete_before_creating",
    "deletion_set",
    "hook_state",
    "may_prune",
    "next_step",
    "plan_steps",
    "prune_set",
    "step_done",
    "step_failed",
    "sync_fail_steps",
    "waiting_on",
]
