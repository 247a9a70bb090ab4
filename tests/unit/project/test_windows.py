"""Sync windows, one golden table per scenario in testdata/windows-*.yaml; ``now`` is given."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.project import WindowDecision, parse_project, sync_window_decision

TESTDATA = Path(__file__).parent / "testdata"


def _cases() -> list[Any]:
    params = []
    for path in sorted(TESTDATA.glob("windows-*.yaml")):
        scenario = yaml.safe_load(path.read_text())
        for case in scenario["cases"]:
            params.append(pytest.param(scenario["project"], case, id=f"{path.stem}-{case['name']}"))
    return params


@pytest.mark.parametrize(("body", "case"), _cases())
def test_sync_window_decision(body: dict[str, Any], case: dict[str, Any]) -> None:
    decision = sync_window_decision(
        parse_project(body),
        app_name=case["app"],
        namespace=case.get("namespace", "web"),
        cluster=case.get("cluster", "https://kubernetes.default.svc"),
        now=dt.datetime.fromisoformat(case["now"]),
        manual=case.get("manual", False),
    )
    assert decision == WindowDecision(**case["expect"])


def test_no_windows_always_allows() -> None:
    decision = sync_window_decision(
        parse_project({"metadata": {"name": "free"}}),
        app_name="web",
        namespace="web",
        cluster="https://kubernetes.default.svc",
        now=dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
        manual=False,
    )
    assert decision == WindowDecision(True, "")
