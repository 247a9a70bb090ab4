"""Path patterns match like Go's path.Match, plus ``**`` for any number of segments."""

from __future__ import annotations

import pytest

from gitopsd.appset.globs import matches
from gitopsd.errors import SpecError


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("apps/*/overlays/production", "apps/web/overlays/production", True),
        ("apps/*/overlays/production", "apps/web/x/overlays/production", False),
        ("apps/*", "apps", False),
        ("apps/*", "apps/web", True),
        ("apps/*", "apps/web/base", False),
        ("apps/w?b", "apps/web", True),
        ("apps/w?b", "apps/w/b", False),
        ("apps/[a-c]*", "apps/billing", True),
        ("apps/[^a-c]*", "apps/billing", False),
        ("apps/[!a-c]*", "apps/web", True),
        ("apps/\\*", "apps/*", True),
        ("apps/\\*", "apps/web", False),
        ("clusters/**/config.json", "clusters/config.json", True),
        ("clusters/**/config.json", "clusters/eu/prod/config.json", True),
        ("clusters/**/config.json", "clusters/eu/prod/config.yaml", False),
        ("**", "anything/at/all", True),
        ("./apps/*", "apps/web", True),
        ("apps.v1/*", "appsXv1/web", False),
    ],
)
def test_matches(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


def test_an_unterminated_class_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="unterminated character class"):
        matches("apps/[ab", "apps/a")
