"""Health of the Argo projects' kinds: Rollouts, AnalysisRuns, Experiments, Workflows,
Events, and Argo CD's ApplicationSet and Application.

Registered through :mod:`gitopsd.health.checks.crds`. Written from the status fields the
Argo projects document: a Rollout's ``status.observedGeneration`` (the generation as a
string), ``pauseConditions``, ``abort``, ``currentStepIndex``, ``stableRS``,
``currentPodHash``, ``blueGreen.activeSelector`` and replica counters; the ``phase`` of
analysis runs, experiments and workflows; the conditions of Argo Events objects.

A Rollout whose controller has not reported (no status, or a status for an older
generation) is Progressing: without a controller nothing has been rolled out.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.rules import Rule, condition_message, phases
from gitopsd.health.checks.types import CheckTable
from gitopsd.health.result import Health, degraded, healthy, progressing, suspended
from gitopsd.model.keys import GroupKind

GROUP = "argoproj.io"


def rollout_health(obj: dict[str, Any]) -> Health:
    status = fields.get(obj, "status")
    if not isinstance(status, dict) or not _observed(obj):
        return progressing("Waiting for the rollout controller to observe the latest spec")
    invalid = fields.condition(obj, "InvalidSpec")
    if fields.is_true(invalid):
        return degraded(condition_message(invalid) or "The rollout spec is invalid")
    if status.get("abort") is True:
        return degraded(f"Rollout aborted: {_why(obj) or 'the update was rolled back'}")
    progress = fields.condition(obj, "Progressing")
    if progress is not None and progress.get("reason") == "ProgressDeadlineExceeded":
        return degraded(condition_message(progress))
    paused = _paused(obj)
    if paused is not None:
        return paused
    if fields.text(obj, "status", "phase") == "Degraded":
        return degraded(_why(obj) or "The rollout controller reports the rollout degraded")
    return _rollout_progress(obj) or healthy(_why(obj))


def _observed(obj: dict[str, Any]) -> bool:
    observed = fields.get(obj, "status", "observedGeneration")
    if observed is None:
        return False
    text = str(observed)
    # Old controllers wrote a spec hash here; only a number can be compared.
    return not text.isdigit() or int(text) >= fields.generation(obj)


def _why(obj: dict[str, Any]) -> str:
    progress = fields.condition(obj, "Progressing")
    return fields.text(obj, "status", "message") or condition_message(progress)


def _paused(obj: dict[str, Any]) -> Health | None:
    reasons = [
        fields.text(entry, "reason")
        for entry in fields.items(obj, "status", "pauseConditions")
        if isinstance(entry, dict)
    ]
    if reasons:
        return suspended(f"Rollout is paused: {', '.join(r for r in reasons if r) or 'paused'}")
    if fields.get(obj, "spec", "paused") is True:
        return suspended("Rollout is paused: spec.paused is true")
    if fields.get(obj, "status", "controllerPause") is True:
        return suspended("Rollout is paused by its controller")
    return None


def _rollout_progress(obj: dict[str, Any]) -> Health | None:
    wanted = fields.desired_replicas(obj)
    updated = fields.integer(obj, "status", "updatedReplicas")
    available = fields.integer(obj, "status", "availableReplicas")
    if updated < wanted:
        return progressing(f"Waiting for rollout to finish: {updated} of {wanted} replicas updated")
    if available < updated:
        return progressing(
            f"Waiting for rollout to finish: {available} of {updated} updated replicas available"
        )
    current = fields.text(obj, "status", "currentPodHash")
    if fields.get(obj, "spec", "strategy", "blueGreen") is not None:
        active = fields.text(obj, "status", "blueGreen", "activeSelector")
        if current and active != current:
            return progressing("Waiting for the active service to switch to the new version")
        return None
    steps = fields.items(obj, "spec", "strategy", "canary", "steps")
    step = fields.get(obj, "status", "currentStepIndex")
    if steps and isinstance(step, int) and step < len(steps):
        return progressing(f"Waiting for canary step {step + 1} of {len(steps)} to complete")
    stable = fields.text(obj, "status", "stableRS") or fields.text(
        obj, "status", "canary", "stableRS"
    )
    if current and stable != current:
        return progressing("Waiting for the new version to become stable")
    total = fields.integer(obj, "status", "replicas")
    if total > updated:
        return progressing(
            f"Waiting for rollout to finish: {total - updated} old replicas pending termination"
        )
    return None


# AnalysisRun and Experiment phases, from Argo Rollouts' AnalysisPhase.
ANALYSIS_PHASES = phases(
    Progressing=("Pending", "Running"),
    Healthy=("Successful",),
    Degraded=("Failed", "Error"),
    Unknown=("Inconclusive",),
)


def cron_workflow_health(obj: dict[str, Any]) -> Health:
    if fields.get(obj, "spec", "suspend") is True:
        return suspended("CronWorkflow is suspended")
    for condition_type in ("SpecError", "SubmissionError"):
        entry = fields.condition(obj, condition_type)
        if fields.is_true(entry):
            return degraded(condition_message(entry) or condition_type)
    active = len(fields.items(obj, "status", "active"))
    return healthy(f"{active} workflow(s) running" if active else "")


def application_no_opinion(obj: dict[str, Any]) -> Health | None:
    return None


TABLE = CheckTable(
    {
        GroupKind(GROUP, "Rollout"): rollout_health,
        GroupKind(GROUP, "AnalysisRun"): Rule(ready=(), phases=ANALYSIS_PHASES),
        GroupKind(GROUP, "Experiment"): Rule(ready=(), phases=ANALYSIS_PHASES),
        GroupKind(GROUP, "Workflow"): Rule(
            ready=(),
            phases=phases(
                Progressing=("Pending", "Running"),
                Healthy=("Succeeded",),
                Degraded=("Failed", "Error"),
            ),
            suspend=(),
        ),
        GroupKind(GROUP, "CronWorkflow"): cron_workflow_health,
        GroupKind(GROUP, "EventSource"): Rule(ready=("SourcesProvided", "Deployed")),
        GroupKind(GROUP, "Sensor"): Rule(
            ready=("DependenciesProvided", "TriggersProvided", "Deployed")
        ),
        GroupKind(GROUP, "EventBus"): Rule(ready=("Configured", "Deployed")),
        GroupKind(GROUP, "ApplicationSet"): Rule(
            ready=("ResourcesUpToDate",),
            bad_when_true=("ErrorOccurred",),
            busy_when_true=("RolloutProgressing",),
        ),
        GroupKind(GROUP, "Application"): application_no_opinion,
    }
)
