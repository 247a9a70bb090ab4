"""The one glob module: Argo CD's ``glob.Match`` (names, URLs with a separator, directory
include/exclude, RBAC objects) and segment-wise repository path patterns."""

from __future__ import annotations

import pytest

from gitopsd.errors import SpecError
from gitopsd.model.globs import glob_match, glob_problem, is_deny, path_match, without_deny


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("apps/*/overlays/production", "apps/web/overlays/production", True),
        ("apps/*/overlays/production", "apps/web/x/overlays/production", False),
        ("apps/*", "apps", False),
        ("apps/*", "apps/web", True),
        ("apps/*", "apps/web/base", False),
        ("apps/*", "apps/web/config.json", False),
        ("apps/w?b", "apps/web", True),
        ("apps/w?b", "apps/w/b", False),
        ("apps/[a-c]*", "apps/billing", True),
        ("apps/[^a-c]*", "apps/billing", False),
        ("apps/[!a-c]*", "apps/web", True),
        ("apps/[!a-c]*", "apps/billing", False),
        ("apps/\\*", "apps/*", True),
        ("apps/\\*", "apps/web", False),
        ("clusters/**/config.json", "clusters/config.json", True),
        ("clusters/**/config.json", "clusters/eu/prod/config.json", True),
        ("clusters/**/config.json", "clusters/eu/prod/config.yaml", False),
        ("**/config.json", "config.json", True),
        ("**/config.json", "apps/web/config.json", True),
        ("apps/**", "apps/web/config.json", True),
        ("**", "anything/at/all", True),
        ("./apps/*", "apps/web", True),
        ("apps.v1/*", "appsXv1/web", False),
        ("apps/*/config.{json,yaml}", "apps/web/config.yaml", True),
        ("apps/*/config.{json,yaml}", "apps/web/config.yml", False),
        ("apps/{web,{db,cache}}", "apps/cache", True),
        ("apps/[!a]", "apps//", False),  # a negated class never matches the separator
    ],
)
def test_repository_paths_match_segment_by_segment(pattern: str, path: str, expected: bool) -> None:
    assert path_match(pattern, path) is expected


@pytest.mark.parametrize("pattern", ["apps/[ab", "apps/{web,db"])
def test_a_malformed_path_pattern_is_a_spec_error(pattern: str) -> None:
    with pytest.raises(SpecError, match="invalid path pattern"):
        path_match(pattern, "apps/a")


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*", "a/b", True),
        ("*/*", "a/b", True),
        ("*.yaml", "nested/deploy.yaml", True),
        ("{config.json,deploy.yaml}", "deploy.yaml", True),
        ("{config.json,deploy.yaml}", "nested/deploy.yaml", False),
        ("nested/*", "nested/deeper/x.yaml", True),
        ("{web,api}/*", "db/x", False),
        ("a?c", "abc", True),
        ("[ab]*", "b1", True),
        ("[!ab]*", "b1", False),
        ("*.crossplane.io/*", "aws.crossplane.io/Bucket", True),
        ("team-*", "team-a", True),
        ("team-*", "other", False),
        ("[unclosed", "[unclosed", True),  # a malformed piece matches only itself
        ("{unclosed", "{unclosed", True),
        ("a\\*", "a*", True),
        ("a\\*", "ab", False),
    ],
)
def test_names_match_without_a_separator(pattern: str, value: str, expected: bool) -> None:
    assert glob_match(pattern, value) is expected


@pytest.mark.parametrize(
    ("pattern", "url", "expected"),
    [
        ("https://github.com/org/*", "https://github.com/org/repo", True),
        ("https://github.com/org/*", "https://github.com/org/group/repo", False),
        ("https://github.com/org/**", "https://github.com/org/group/repo", True),
        ("*", "https://anything/at/all", True),
    ],
)
def test_urls_match_with_a_separator(pattern: str, url: str, expected: bool) -> None:
    assert glob_match(pattern, url, separator="/") is expected


def test_deny_patterns_are_recognised_and_stripped() -> None:
    assert is_deny("!kube-system") and without_deny("!kube-system") == "kube-system"
    assert not is_deny("team-*") and without_deny("team-*") == "team-*"


def test_malformed_patterns_are_named() -> None:
    assert glob_problem("{web,api") == "unterminated '{'"
    assert glob_problem("[ab") == "unterminated character class"
    assert glob_problem("{web,api}/*") is None
