"""One ApplicationSet reconcile, as data: the actions to take and the status conditions.

``reconcile`` generates, compares with the existing owned Applications and applies the
policy. Its safety rule: if generation fails for any reason (invalid spec or template,
failed Git fetch, cluster list unavailable, a generated Application outside the project
of the Application that rendered this ApplicationSet), the plan has no actions at all,
and so never deletes, and the conditions say why (``ErrorOccurred`` True,
``ParametersGenerated`` False). Only a successful generation, even an empty one, may
delete, and only under a policy that allows it. The operator applies the plan; this
module never talks to the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gitopsd.appset.generate import generate
from gitopsd.appset.guard import ParentProject, check_generated
from gitopsd.appset.manifest import parse_appset
from gitopsd.appset.policy import AppSetAction, PolicyOptions, effective_policy, plan_actions
from gitopsd.appset.ports import Clusters, RepoFiles
from gitopsd.appset.vocab import ActionVerb, ApplicationsSync, ConditionReason, ConditionType
from gitopsd.errors import GitopsdError, ProjectViolation


@dataclass(frozen=True)
class AppSetCondition:
    type: ConditionType
    status: bool
    reason: ConditionReason
    message: str

    def to_dict(self, last_transition_time: str = "") -> dict[str, Any]:
        """The status entry; the caller stamps the time (this module has no clock)."""
        entry: dict[str, Any] = {
            "type": str(self.type),
            "status": "True" if self.status else "False",
            "reason": str(self.reason),
            "message": self.message,
        }
        if last_transition_time:
            entry["lastTransitionTime"] = last_transition_time
        return entry


@dataclass(frozen=True)
class AppSetPlan:
    actions: tuple[AppSetAction, ...]
    conditions: tuple[AppSetCondition, ...]
    policy: ApplicationsSync | None = None  # None when the spec could not be parsed
    error: str = ""

    def of(self, verb: ActionVerb) -> tuple[AppSetAction, ...]:
        return tuple(a for a in self.actions if a.verb == verb)

    @property
    def ok(self) -> bool:
        return not self.error


def reconcile(
    appset: dict[str, Any],
    existing: Sequence[dict[str, Any]],
    *,
    repos: RepoFiles,
    clusters: Clusters = (),
    options: PolicyOptions | None = None,
    parent: ParentProject | None = None,
) -> AppSetPlan:
    """The plan for ``appset`` given the Applications it owns now (never raises GitopsdError).

    ``parent``: the Application that rendered ``appset`` and its project (see
    :mod:`gitopsd.appset.guard`); None for an ApplicationSet written directly.
    """
    try:
        spec = parse_appset(appset)
    except GitopsdError as error:
        return _failed(str(error), policy=None)
    policy = effective_policy(spec, options or PolicyOptions())
    try:
        generated = generate(spec, repos=repos, clusters=clusters)
    except GitopsdError as error:
        return _failed(str(error), policy=policy)
    if parent is not None:
        try:
            check_generated(generated, parent, spec.namespace)
        except ProjectViolation as error:
            return _failed(f"{spec.id}: {error}", policy=policy)
    actions = plan_actions(
        generated,
        existing,
        policy=policy,
        preserved_annotations=spec.preserved_annotations,
        preserved_labels=spec.preserved_labels,
    )
    return AppSetPlan(actions=actions, conditions=succeeded_conditions(), policy=policy)


def refused(message: str) -> AppSetPlan:
    """A plan with no actions, for an ApplicationSet whose generation may not even start
    (its parent Application or project could not be read)."""
    return _failed(message, policy=None)


def _failed(message: str, *, policy: ApplicationsSync | None) -> AppSetPlan:
    # The safety rule: no actions at all, so nothing is deleted on a failed generation.
    return AppSetPlan(
        actions=(), conditions=failed_conditions(message), policy=policy, error=message
    )


def failed_conditions(message: str) -> tuple[AppSetCondition, ...]:
    return (
        AppSetCondition(
            ConditionType.ERROR_OCCURRED, True, ConditionReason.GENERATION_ERROR, message
        ),
        AppSetCondition(
            ConditionType.PARAMETERS_GENERATED, False, ConditionReason.ERROR_OCCURRED, message
        ),
        AppSetCondition(
            ConditionType.RESOURCES_UP_TO_DATE, False, ConditionReason.ERROR_OCCURRED, message
        ),
    )


def succeeded_conditions() -> tuple[AppSetCondition, ...]:
    done = "All applications have been generated successfully"
    return (
        AppSetCondition(ConditionType.ERROR_OCCURRED, False, ConditionReason.UP_TO_DATE, done),
        AppSetCondition(
            ConditionType.PARAMETERS_GENERATED,
            True,
            ConditionReason.PARAMETERS_GENERATED,
            "Successfully generated parameters for all Applications",
        ),
        AppSetCondition(ConditionType.RESOURCES_UP_TO_DATE, True, ConditionReason.UP_TO_DATE, done),
    )
