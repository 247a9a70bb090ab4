"""Re-entrant waves: the step a pass works on, what it waits for, and failing hooks.

Each scenario is ``testdata/progress/<scenario>.yaml``: ``manifests`` (the desired
objects), what the engine observed (``states`` per object id, ``hooks`` per hook id) and
``expected``: the next step (``<phase> wave <n>`` or null), what it still waits for, the
failure message, the finished hooks their delete policy removes, and the SyncFail plan
when it failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitopsd.desired import DesiredSet, build_desired_set
from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import HealthStatus, SyncPhase
from gitopsd.plan import (
    HookState,
    ObjectState,
    completed_hooks_to_delete,
    next_step,
    plan_steps,
    step_done,
    step_failed,
    sync_fail_steps,
    waiting_on,
)
from tests.unit.desired.discovery import RESOURCES
from tests.unit.desired.golden import load, scenario_names

TESTDATA = Path(__file__).parent / "testdata" / "progress"

SCENARIOS = [
    "nothing-applied-yet-starts-at-first-step",
    "wave-zero-progressing-holds-wave-one",
    "wave-zero-healthy-moves-to-wave-one",
    "out-of-sync-object-holds-its-wave",
    "suspended-and-no-opinion-count-as-done",
    "degraded-resource-waits-without-failing",
    "presync-hook-running-holds-sync",
    "failing-hook-fails-step-and-plans-sync-fail",
    "hook-state-of-another-phase-does-not-count",
    "everything-done",
]


def _desired(manifests: list[dict[str, Any]]) -> DesiredSet:
    return build_desired_set(
        manifests,
        app_namespace="gitopsd",
        app_name="shop",
        destination_namespace="web",
        resources=RESOURCES,
        revision="0a1b2c3d",
    )


def _observed(
    desired: DesiredSet, case: dict[str, Any]
) -> tuple[dict[ResourceKey, ObjectState], dict[ResourceKey, HookState]]:
    by_id = {str(item.key): item.key for item in (*desired.resources, *desired.hooks)}
    states = {
        by_id[name]: ObjectState(
            key=by_id[name],
            in_sync=seen.get("inSync", True),
            health=HealthStatus(seen["health"]) if seen.get("health") else None,
            exists=seen.get("exists", True),
        )
        for name, seen in (case.get("states") or {}).items()
    }
    hooks = {
        by_id[name]: HookState(
            key=by_id[name],
            phase=seen["phase"],
            message=seen.get("message", ""),
            sync_phase=SyncPhase(seen["syncPhase"]) if seen.get("syncPhase") else None,
        )
        for name, seen in (case.get("hooks") or {}).items()
    }
    return states, hooks


def _outcome(case: dict[str, Any]) -> dict[str, Any]:
    desired = _desired(case["manifests"])
    states, hooks = _observed(desired, case)
    steps = plan_steps(desired)
    finished = [str(key) for step in steps for key in completed_hooks_to_delete(step, hooks)]
    step = next_step(steps, states, hooks)
    if step is None:
        return {"next": None, "deleteFinishedHooks": finished}
    failed = step_failed(step, states, hooks)
    outcome: dict[str, Any] = {
        "next": str(step),
        "waiting": list(waiting_on(step, states, hooks)),
        "failed": failed,
        "deleteFinishedHooks": finished,
    }
    if failed is not None:
        outcome["syncFail"] = [
            f"{fail.phase.value} {fail.wave} {item.key}"
            for fail in sync_fail_steps(desired)
            for item in fail.members
        ]
    return outcome


@pytest.mark.parametrize("name", SCENARIOS)
def test_progress(name: str) -> None:
    case = load(TESTDATA / f"{name}.yaml")
    actual = _outcome(case)
    assert actual == case["expected"]


def test_every_progress_scenario_is_listed() -> None:
    assert scenario_names(TESTDATA) == sorted(SCENARIOS)


def test_a_step_is_done_exactly_when_it_waits_on_nothing() -> None:
    case = load(TESTDATA / "wave-zero-healthy-moves-to-wave-one.yaml")
    desired = _desired(case["manifests"])
    states, hooks = _observed(desired, case)
    first, second = plan_steps(desired)
    assert step_done(first, states, hooks)
    assert not step_done(second, states, hooks)
