"""Argo CD-style globs: path-aware for file listings, path-blind for directory include."""

from __future__ import annotations

import pytest

from gitopsd.source import glob_match


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("apps/*", "apps/web", True),
        ("apps/*", "apps/web/config.json", False),
        ("apps/**", "apps/web/config.json", True),
        ("**/config.json", "config.json", True),
        ("**/config.json", "apps/web/config.json", True),
        ("apps/*/config.{json,yaml}", "apps/web/config.yaml", True),
        ("apps/*/config.{json,yaml}", "apps/web/config.yml", False),
        ("apps/[a-c]*", "apps/billing", True),
        ("apps/[!a-c]*", "apps/billing", False),
        ("apps/?eb", "apps/web", True),
        ("apps/{web,{db,cache}}", "apps/cache", True),
    ],
)
def test_path_aware_globs(pattern: str, path: str, matches: bool) -> None:
    assert glob_match(pattern, path) is matches


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.yaml", "nested/deploy.yaml", True),
        ("{config.json,deploy.yaml}", "deploy.yaml", True),
        ("{config.json,deploy.yaml}", "nested/deploy.yaml", False),
        ("nested/*", "nested/deeper/x.yaml", True),
    ],
)
def test_directory_include_globs_cross_directories(pattern: str, path: str, matches: bool) -> None:
    assert glob_match(pattern, path, path_aware=False) is matches
