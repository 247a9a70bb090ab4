"""Application list filters and label selectors."""

from __future__ import annotations

import pytest

from gitopsd.errors import ConfigError
from gitopsd.model.selectors import parse_selector
from gitopsd.server.views import matches, parse_query
from tests.unit.server.fakes import app


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("team=backend", True),
        ("team==backend", True),
        ("team!=backend", False),
        ("team in (a, backend)", True),
        ("team notin (backend)", False),
        ("team", True),
        ("!team", False),
        ("team=backend,tier", False),
        ("", True),
    ],
)
def test_label_selectors(selector: str, expected: bool) -> None:
    assert parse_selector(selector).matches({"team": "backend"}) is expected


def test_unreadable_selector() -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        parse_selector("team=(")


def test_filters() -> None:
    backend = app("backend-api", "backend", sync={"status": "Synced"}, health={"status": "Healthy"})
    query = parse_query(
        {
            "projects": ["backend,other"],
            "search": ["API"],
            "sync": ["Synced"],
            "health": ["Healthy"],
            "cluster": ["https://kubernetes.default.svc"],
            "namespace": ["backend"],
            "repo": ["https://git.example/repo"],
        }
    )
    assert matches(backend, query)
    assert not matches(backend, parse_query({"health": ["Degraded"]}))
    assert not matches(backend, parse_query({"name": ["other"]}))
    assert not matches(backend, parse_query({"cluster": ["https://elsewhere"]}))
