"""``gitopsd appset list`` and ``get`` tables, from ApplicationSets as the API returns them
(golden files in ``testdata/cli-list-and-get/``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from gitopsd.cli.appset import format_list, format_summary, generator_kinds

CASE = Path(__file__).parent / "testdata" / "cli-list-and-get"
NOW = dt.datetime(2025, 3, 1, 12, 0, 0, tzinfo=dt.UTC)


def _appsets() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = yaml.safe_load((CASE / "appsets.yaml").read_text())
    return loaded


def test_list_is_one_sorted_row_per_appset() -> None:
    assert format_list(_appsets(), NOW) == (CASE / "list.txt").read_text()


def test_get_shows_facts_conditions_and_applications() -> None:
    production = next(a for a in _appsets() if a["metadata"]["name"] == "production")
    assert format_summary(production) == (CASE / "get.txt").read_text()


def test_an_empty_list_prints_nothing() -> None:
    assert format_list([], NOW) == ""


def test_generator_kinds_name_nested_generators() -> None:
    appset = {"spec": {"generators": [{"merge": {"generators": [{"list": {}}, {"git": {}}]}}]}}
    assert generator_kinds(appset) == "merge(list,git)"
