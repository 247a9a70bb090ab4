"""Health of Tekton's runs, triggers and operator kinds.

Registered through :mod:`gitopsd.health.checks.crds`. Tekton documents a ``Succeeded``
condition on PipelineRuns, TaskRuns and CustomRuns: ``Unknown`` while running (reasons
``Started``, ``Running``, ``Pending``), ``True`` when done, ``False`` when failed,
cancelled or timed out. A PipelineRun created with ``spec.status: PipelineRunPending``
waits to be started. EventListeners and the operator's kinds report ``Ready``.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.rules import Rule
from gitopsd.health.checks.types import CheckTable
from gitopsd.health.result import Health, suspended
from gitopsd.model.keys import GroupKind

RUN = Rule(ready=("Succeeded",), suspend=(), kind_name="the run")
PENDING_STATUSES = frozenset({"PipelineRunPending", "TaskRunPending"})


def run_health(obj: dict[str, Any]) -> Health | None:
    if fields.text(obj, "spec", "status") in PENDING_STATUSES and not fields.conditions(obj):
        return suspended("The run is pending: it waits for spec.status to be cleared")
    return RUN(obj)


TABLE = CheckTable(
    {
        GroupKind("tekton.dev", "PipelineRun"): run_health,
        GroupKind("tekton.dev", "TaskRun"): run_health,
        GroupKind("tekton.dev", "CustomRun"): run_health,
        GroupKind("triggers.tekton.dev", "EventListener"): Rule(suspend=()),
        GroupKind("operator.tekton.dev", "TektonConfig"): Rule(suspend=()),
        GroupKind("operator.tekton.dev", "TektonPipeline"): Rule(suspend=()),
    }
)
