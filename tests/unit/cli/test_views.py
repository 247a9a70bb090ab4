"""``app list``, ``app get`` and ``app history`` text, against golden files per scenario."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.cli.app_views import format_history, format_list, format_resources, format_summary
from tests.unit.cli.golden import assert_golden

VIEWS = Path(__file__).parent / "testdata" / "views"
SCENARIOS = sorted(p.name for p in VIEWS.iterdir() if p.is_dir())
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def load(scenario: str) -> dict[str, Any]:
    app: dict[str, Any] = yaml.safe_load((VIEWS / scenario / "application.yaml").read_text())
    return app


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_get_prints_the_summary_then_the_resources(scenario: str) -> None:
    app = load(scenario)
    assert_golden(VIEWS / scenario / "get.txt", format_summary(app) + "\n" + format_resources(app))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_history_lists_deployments_oldest_first(scenario: str) -> None:
    assert_golden(VIEWS / scenario / "history.txt", format_history(load(scenario)))


def test_list_is_sorted_by_name_with_short_revisions_and_ages() -> None:
    apps = [load(scenario) for scenario in reversed(SCENARIOS)]
    assert_golden(VIEWS / "list.txt", format_list(apps, NOW))


def test_empty_tables_print_nothing() -> None:
    app = {"metadata": {"name": "new", "namespace": "gitopsd"}, "spec": {}}
    assert format_list([], NOW) == ""
    assert format_resources(app) == ""
    assert format_history(app) == ""
