"""Built-in checks against golden objects: ``testdata/builtin/<scenario>.yaml`` holds the
object, ``testdata/builtin/expected.yaml`` the health each scenario must get."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.health import Health, HealthAssessor
from gitopsd.health.checks import BUILTIN_CHECKS
from gitopsd.model.keys import GroupKind
from gitopsd.model.vocab import HealthStatus

TESTDATA = Path(__file__).parent / "testdata" / "builtin"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((TESTDATA / "expected.yaml").read_text())
SCENARIOS = sorted(path.stem for path in TESTDATA.glob("*.yaml") if path.name != "expected.yaml")


def expected_health(scenario: str) -> Health | None:
    entry = EXPECTED[scenario]
    if entry["status"] is None:
        return None
    return Health(HealthStatus(entry["status"]), entry["message"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_builtin_health(scenario: str) -> None:
    obj = yaml.safe_load((TESTDATA / f"{scenario}.yaml").read_text())
    assert HealthAssessor().assess(obj) == expected_health(scenario)


def test_every_scenario_has_an_expectation_and_every_expectation_a_scenario() -> None:
    assert sorted(EXPECTED) == SCENARIOS


def test_every_builtin_kind_has_a_scenario() -> None:
    covered = {
        GroupKind.of(yaml.safe_load((TESTDATA / f"{scenario}.yaml").read_text()))
        for scenario in SCENARIOS
    }
    # Legacy groups share their modern check; these are covered through it.
    legacy = {gk for gk in BUILTIN_CHECKS if gk.group == "extensions"}
    assert set(BUILTIN_CHECKS) - legacy - covered == set()


def test_objects_are_not_modified() -> None:
    obj = yaml.safe_load((TESTDATA / "pod-crashloopbackoff.yaml").read_text())
    before = yaml.safe_dump(obj)
    HealthAssessor().assess(obj)
    assert yaml.safe_dump(obj) == before


@pytest.mark.parametrize(
    "obj",
    [
        {},
        {"apiVersion": "apps/v1", "kind": "Deployment", "spec": None, "status": "garbage"},
        {"apiVersion": "v1", "kind": "Pod", "status": {"containerStatuses": [None, "x"]}},
        {"apiVersion": "batch/v1", "kind": "CronJob", "status": {"lastScheduleTime": "soon"}},
        {"apiVersion": "example.com/v1", "kind": "Thing", "status": {"conditions": "Ready"}},
    ],
)
def test_malformed_objects_do_not_crash(obj: dict[str, Any]) -> None:
    health = HealthAssessor().assess(obj)
    assert health is None or isinstance(health.status, HealthStatus)
