"""Golden ApplicationSet scenarios, one per directory under ``testdata/``.

Each directory holds ``appset.yaml`` and, optionally, a ``repo/`` checkout the Git
generators read and a ``clusters.yaml`` of registered clusters. What is checked depends on
the golden file present:

- ``expected.yaml``: the Applications ``generate`` returns;
- ``expected-error.yaml``: the error ``generate`` raises (type and message);
- ``existing.yaml`` + ``expected-plan.yaml``: the plan ``reconcile`` returns against those
  existing Applications (actions, policy, conditions).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.appset import ClusterInfo, LocalRepoFiles, generate, reconcile
from gitopsd.appset.reconcile import AppSetPlan
from gitopsd.errors import GitopsdError

TESTDATA = Path(__file__).parent / "testdata"


def _scenarios(golden: str) -> list[str]:
    return sorted(p.parent.name for p in TESTDATA.glob(f"*/{golden}"))


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _inputs(scenario: str) -> tuple[dict[str, Any], LocalRepoFiles, list[ClusterInfo]]:
    directory = TESTDATA / scenario
    clusters_file = directory / "clusters.yaml"
    clusters = [ClusterInfo(**c) for c in _load(clusters_file)] if clusters_file.exists() else []
    repo = directory / "repo"
    return (
        _load(directory / "appset.yaml"),
        LocalRepoFiles(repo if repo.is_dir() else None),
        clusters,
    )


def plan_as_data(plan: AppSetPlan) -> dict[str, Any]:
    """The plan as the golden files spell it: bodies only for updates (creates are covered
    by the generation goldens, deletes by ``existing.yaml``)."""
    actions = []
    for action in plan.actions:
        entry: dict[str, Any] = {"verb": str(action.verb), "name": action.name}
        entry["namespace"] = action.namespace
        if action.reason:
            entry["reason"] = action.reason
        if action.verb == "update":
            entry["body"] = action.body
        actions.append(entry)
    return {
        "policy": None if plan.policy is None else str(plan.policy),
        "actions": actions,
        "conditions": [c.to_dict() for c in plan.conditions],
    }


@pytest.mark.parametrize("scenario", _scenarios("expected.yaml"))
def test_generates_the_expected_applications(scenario: str) -> None:
    appset, repos, clusters = _inputs(scenario)
    generated = generate(appset, repos=repos, clusters=clusters)
    assert generated == _load(TESTDATA / scenario / "expected.yaml")


@pytest.mark.parametrize("scenario", _scenarios("expected-error.yaml"))
def test_generation_fails_with_the_expected_error(scenario: str) -> None:
    appset, repos, clusters = _inputs(scenario)
    expected = _load(TESTDATA / scenario / "expected-error.yaml")
    with pytest.raises(GitopsdError) as raised:
        generate(appset, repos=repos, clusters=clusters)
    assert type(raised.value).__name__ == expected["error"]
    assert str(raised.value) == expected["message"]


@pytest.mark.parametrize("scenario", _scenarios("expected-plan.yaml"))
def test_reconcile_plans_the_expected_actions(scenario: str) -> None:
    appset, repos, clusters = _inputs(scenario)
    existing = _load(TESTDATA / scenario / "existing.yaml")
    plan = reconcile(appset, existing, repos=repos, clusters=clusters)
    assert plan_as_data(plan) == _load(TESTDATA / scenario / "expected-plan.yaml")
