"""The sync order: phase, wave, kind, then namespace and name; SyncFail planned apart.

Each scenario is ``testdata/order/<scenario>/`` with ``manifests.yaml`` and
``expected.yaml``: one ``<phase> <wave> <Kind/ns/name>`` line per object, in plan order,
followed by the SyncFail steps' lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gitopsd.desired import build_desired_set
from gitopsd.plan import Step, plan_steps, sync_fail_steps
from tests.unit.desired.discovery import RESOURCES
from tests.unit.desired.golden import assert_golden, load_docs, scenario_names

TESTDATA = Path(__file__).parent / "testdata" / "order"

SCENARIOS = [
    "waves-negative-and-positive",
    "crd-before-custom-resource",
    "namespace-first",
    "hooks-presync-postsync",
    "helm-hooks-mapped",
    "kind-order-then-namespace-and-name",
    "sync-fail-hooks-planned-apart",
]


def _lines(steps: tuple[Step, ...]) -> list[str]:
    return [f"{step.phase.value} {step.wave} {item.key}" for step in steps for item in step.members]


def _steps_of(name: str) -> tuple[tuple[Step, ...], tuple[Step, ...]]:
    desired = build_desired_set(
        load_docs(TESTDATA / name / "manifests.yaml"),
        app_namespace="gitopsd",
        app_name="shop",
        destination_namespace="web",
        resources=RESOURCES,
    )
    return plan_steps(desired), sync_fail_steps(desired)


@pytest.mark.parametrize("name", SCENARIOS)
def test_plan_order(name: str) -> None:
    steps, fail_steps = _steps_of(name)
    assert_golden(_lines(steps) + _lines(fail_steps), TESTDATA / name / "expected.yaml")


def test_every_order_scenario_is_listed() -> None:
    assert scenario_names(TESTDATA) == sorted(SCENARIOS)


def test_one_step_per_phase_and_wave_waiting_on_all_its_members() -> None:
    steps, _ = _steps_of("hooks-presync-postsync")
    assert [str(step) for step in steps] == [
        "PreSync wave -1",
        "PreSync wave 0",
        "Sync wave 0",
        "PostSync wave 0",
    ]
    sync = steps[2]
    assert [str(key) for key in sync.wait] == [
        "ConfigMap/web/settings",
        "Pod/web/announce",
        "Deployment/web/api",
    ]
    assert [str(item.key) for item in sync.hooks] == ["Pod/web/announce"]
