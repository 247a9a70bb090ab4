"""Helm's version constraints pick the version Helm would pick."""

from __future__ import annotations

import pytest

from gitopsd.errors import SpecError
from gitopsd.model.semver import best_match, is_exact, parse_constraint

VERSIONS = ["0.9.0", "1.0.0", "1.2.0", "1.2.3", "1.2.10", "1.3.0-rc.1", "1.3.0", "2.0.0-beta.1",
            "2.0.0", "2.1.5"]  # fmt: skip


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("1.2.3", "1.2.3"),
        ("v1.2.3", "1.2.3"),
        ("=1.2.3", "1.2.3"),
        ("1.2.*", "1.2.10"),
        ("1.2.x", "1.2.10"),
        ("1.2", "1.2.10"),
        ("1", "1.3.0"),
        ("*", "2.1.5"),
        ("", "2.1.5"),
        (">=1.0 <2.0", "1.3.0"),
        (">=1.0, <2.0", "1.3.0"),
        (">= 1.0 < 2.0", "1.3.0"),
        ("~1.2.3", "1.2.10"),
        ("~1.2", "1.2.10"),
        ("~>1", "1.3.0"),
        ("^1.2", "1.3.0"),
        ("^0.9", "0.9.0"),
        ("1.0 - 1.2.5", "1.2.3"),
        ("<1.0 || >=2.1", "2.1.5"),
        ("!=2.1.5", "2.0.0"),
        (">1.2.3 <1.3", "1.2.10"),
        ("<=1.2", "1.2.10"),
        (">=2.0.0-0", "2.1.5"),
        ("2.0.0-beta.1", "2.0.0-beta.1"),
        (">=1.3.0-0 <1.3.0", "1.3.0-rc.1"),
        ("3.x", None),
    ],
)
def test_constraint_picks_the_newest_match(constraint: str, expected: str | None) -> None:
    assert best_match(parse_constraint(constraint), VERSIONS) == expected


def test_pre_releases_need_a_pre_release_in_the_constraint() -> None:
    assert best_match(parse_constraint(">=1.3"), ["1.3.0-rc.1"]) is None
    assert best_match(parse_constraint(">=1.3.0-0"), ["1.3.0-rc.1"]) == "1.3.0-rc.1"


@pytest.mark.parametrize("bad", [">=1.0 <<2", "latest", "1.2.3.4", ">=", "a.b.c", "1 ||"])
def test_unreadable_constraints_are_refused(bad: str) -> None:
    with pytest.raises(SpecError):
        parse_constraint(bad)


def test_exact_versions() -> None:
    assert is_exact("1.2.3") and is_exact("v1.2.3-rc.1")
    assert not is_exact("1.2") and not is_exact("1.2.x") and not is_exact(">=1.2.3")
