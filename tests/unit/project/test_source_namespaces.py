"""Applications in any namespace: pattern matching (names, globs, /regex/), the
controller's scope, and the decision whether an Application's namespace may use its
project (``sourceNamespaces``)."""

from __future__ import annotations

import pytest

from gitopsd.errors import SpecError
from gitopsd.project import (
    ApplicationNamespaces,
    default_project,
    namespace_matches,
    parse_namespace_patterns,
    parse_project,
    source_namespace_violation,
)
from gitopsd.project.source_namespaces import is_exact

CONTROL = "gitopsd"


@pytest.mark.parametrize(
    ("pattern", "namespace", "matches"),
    [
        ("team-a", "team-a", True),
        ("team-a", "team-ab", False),
        ("team-a", "xteam-a", False),
        ("team-*", "team-a", True),
        ("team-*", "team-", True),
        ("team-*", "teams", False),
        ("*", "kube-system", True),
        ("team-?", "team-b", True),
        ("team-?", "team-bb", False),
        ("team-[ab]", "team-b", True),
        ("team-[!ab]", "team-b", False),
        ("{dev,prod}-web", "prod-web", True),
        ("{dev,prod}-web", "qa-web", False),
        ("*-prod", "shop-prod", True),
        ("*-prod", "shop-prod-old", False),
        # A regular expression matches anywhere unless anchored, as in Argo CD.
        ("/^team-[0-9]+$/", "team-42", True),
        ("/^team-[0-9]+$/", "team-42x", False),
        ("/team/", "my-team-x", True),
        ("/^ci-/", "ci-123", True),
        ("/^ci-/", "xci-123", False),
        # Unusable patterns match nothing rather than everything.
        ("/(/", "anything", False),
        ("//", "anything", False),
        ("", "", False),
        # A deny pattern has no meaning here; it matches no namespace.
        ("!team-a", "team-b", False),
    ],
)
def test_namespace_patterns(pattern: str, namespace: str, matches: bool) -> None:
    assert namespace_matches(pattern, namespace) is matches


def test_a_comma_separated_list_is_parsed_and_checked() -> None:
    assert parse_namespace_patterns("") == ()
    assert parse_namespace_patterns(" team-a, team-* ,, /^ci-/ ") == ("team-a", "team-*", "/^ci-/")
    with pytest.raises(SpecError, match=r"^/\(/: invalid regular expression"):
        parse_namespace_patterns("team-a,/(/")
    with pytest.raises(SpecError, match="empty regular expression"):
        parse_namespace_patterns("//")


def test_the_control_plane_namespace_is_always_in_scope() -> None:
    scope = ApplicationNamespaces(CONTROL)
    assert scope.includes(CONTROL)
    assert not scope.includes("team-a")
    assert scope.exact_namespaces() == ()


def test_enabled_namespaces_widen_the_scope() -> None:
    scope = ApplicationNamespaces(CONTROL, ("team-a", "/^ci-[0-9]+$/"))
    assert [scope.includes(n) for n in ("team-a", "ci-7", "ci-x", "team-b")] == [
        True,
        True,
        False,
        False,
    ]


def test_plain_names_are_watched_one_by_one_patterns_cluster_wide() -> None:
    assert ApplicationNamespaces(CONTROL, ("team-b", "team-a", CONTROL)).exact_namespaces() == (
        "team-a",
        "team-b",
    )
    assert ApplicationNamespaces(CONTROL, ("team-a", "team-*")).exact_namespaces() is None
    assert ApplicationNamespaces(CONTROL, ("/^a$/",)).exact_namespaces() is None
    assert is_exact("team-a") and not is_exact("team-?") and not is_exact("/a/")


SCOPE = ApplicationNamespaces(CONTROL, ("team-*", "/^ci-/"))


@pytest.mark.parametrize(
    ("app_namespace", "source_namespaces", "violation"),
    [
        # The control plane's own Applications may use any project.
        (CONTROL, (), None),
        ("team-a", ("team-a",), None),
        ("team-a", ("team-*",), None),
        ("ci-9", ("/^ci-[0-9]$/",), None),
        (
            "team-a",
            (),
            "application namespace team-a is not permitted in project team (sourceNamespaces)",
        ),
        (
            "team-b",
            ("team-a",),
            "application namespace team-b is not permitted in project team (sourceNamespaces)",
        ),
        # Listed by the project but not enabled on the controller: still refused.
        (
            "other",
            ("*",),
            "application namespace other is not enabled on this controller "
            "(application.namespaces)",
        ),
    ],
)
def test_the_decision_names_the_namespace_and_the_project(
    app_namespace: str, source_namespaces: tuple[str, ...], violation: str | None
) -> None:
    chosen = parse_project(
        {
            "metadata": {"name": "team", "namespace": CONTROL},
            "spec": {"sourceNamespaces": list(source_namespaces)},
        }
    )
    assert source_namespace_violation(app_namespace, SCOPE, chosen) == violation


def test_the_built_in_default_project_admits_no_other_namespace() -> None:
    assert source_namespace_violation(CONTROL, SCOPE, default_project()) is None
    assert source_namespace_violation("team-a", SCOPE, default_project()) == (
        "application namespace team-a is not permitted in project default (sourceNamespaces)"
    )
    configured = parse_project(
        {"metadata": {"name": "default"}, "spec": {"sourceNamespaces": ["team-a"]}}
    )
    assert source_namespace_violation("team-a", SCOPE, configured) is None


def test_a_project_with_an_invalid_source_namespace_is_refused_naming_the_field() -> None:
    body = {
        "metadata": {"name": "team", "namespace": CONTROL},
        "spec": {"sourceNamespaces": ["team-a", "/(/"]},
    }
    with pytest.raises(SpecError) as raised:
        parse_project(body)
    assert str(raised.value).startswith(
        "AppProject/gitopsd/team: spec.sourceNamespaces[1]: /(/: invalid regular expression"
    )
