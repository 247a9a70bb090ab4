"""Source, destination and resource rules, one golden table per scenario in testdata/."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.errors import ProjectViolation
from gitopsd.model.keys import ResourceKey
from gitopsd.project import (
    check_application,
    check_child_project,
    check_destination,
    check_manifests,
    check_resource,
    check_source,
    default_project,
    ensure_permitted,
    parse_project,
)
from gitopsd.spec import parse_application_spec

TESTDATA = Path(__file__).parent / "testdata"


def _cases(prefix: str) -> list[Any]:
    params = []
    for path in sorted(TESTDATA.glob(f"{prefix}*.yaml")):
        scenario = yaml.safe_load(path.read_text())
        for index, case in enumerate(scenario["cases"]):
            case_id = f"{path.stem}-{case.get('name', index)}"
            params.append(pytest.param(scenario["project"], case, id=case_id))
    assert params, f"no testdata for {prefix}"
    return params


@pytest.mark.parametrize(("body", "case"), _cases("source-repos"))
def test_source_repos(body: dict[str, Any], case: dict[str, Any]) -> None:
    assert check_source(parse_project(body), case["repo"]) == case["expect"]


@pytest.mark.parametrize(("body", "case"), _cases("destinations"))
def test_destinations(body: dict[str, Any], case: dict[str, Any]) -> None:
    project = parse_project(body)
    verdict = check_destination(project, case["server"], case["name"], case["namespace"])
    assert verdict == case["expect"]


@pytest.mark.parametrize(("body", "case"), _cases("resources"))
def test_resource_lists(body: dict[str, Any], case: dict[str, Any]) -> None:
    key = ResourceKey(**case["key"])
    assert check_resource(parse_project(body), key, case["namespaced"]) == case["expect"]


@pytest.mark.parametrize(("body", "case"), _cases("child-projects"))
def test_child_projects(body: dict[str, Any], case: dict[str, Any]) -> None:
    assert check_child_project(parse_project(body), case["child"]) == case["expect"]


def test_default_project_permits_everything() -> None:
    project = default_project()
    assert check_source(project, "https://any.example.com/a/b/c.git") is None
    assert check_destination(project, "https://prod.example.com", "", "kube-system") is None
    assert check_destination(project, "", "prod", "web") is None
    cluster_role = ResourceKey("rbac.authorization.k8s.io", "ClusterRole", "", "admin")
    assert check_resource(project, cluster_role, namespaced=False) is None
    assert check_child_project(project, "team-b") is None


TEAM_A = {
    "metadata": {"name": "team-a"},
    "spec": {
        "sourceRepos": ["https://github.com/team-a/*"],
        "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "team-a-*"}],
        "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
    },
}


def test_application_outside_its_project_gets_one_message_per_rule() -> None:
    spec = parse_application_spec(
        {
            "project": "team-a",
            "sources": [
                {"repoURL": "https://github.com/team-a/charts", "chart": "web"},
                {"repoURL": "https://github.com/team-b/values", "ref": "values"},
                {"repoURL": "https://github.com/team-b/values", "path": "extra"},
            ],
            "destination": {"name": "in-cluster", "namespace": "team-b"},
        }
    )
    violations = check_application(parse_project(TEAM_A), spec, "https://kubernetes.default.svc")
    assert violations == [
        "destination https://kubernetes.default.svc:team-b is not permitted in project team-a"
        " (destinations)",
        "repository https://github.com/team-b/values is not permitted in project team-a"
        " (sourceRepos)",
    ]
    with pytest.raises(ProjectViolation, match=r"^Application/gitopsd/web: destination .*; repo"):
        ensure_permitted(violations, subject="Application/gitopsd/web")


def test_application_inside_its_project_has_no_violations() -> None:
    spec = parse_application_spec(
        {
            "source": {"repoURL": "https://github.com/team-a/web.git", "path": "deploy"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "team-a-web"},
        }
    )
    project = parse_project(TEAM_A)
    assert check_application(project, spec, "https://kubernetes.default.svc") == []
    ensure_permitted([])


def test_manifests_are_checked_for_kind_and_namespace_sorted_by_object() -> None:
    keys = [
        (ResourceKey("apps", "Deployment", "team-a-web", "api"), True),
        (ResourceKey("apps", "Deployment", "kube-system", "api"), True),
        (ResourceKey("rbac.authorization.k8s.io", "ClusterRole", "", "admin"), False),
        (ResourceKey("", "Namespace", "", "team-a-web"), False),
    ]
    violations = check_manifests(
        parse_project(TEAM_A), keys, server="https://kubernetes.default.svc"
    )
    assert violations == [
        "Deployment/kube-system/api: namespace kube-system is not permitted in project team-a"
        " (destinations)",
        "ClusterRole/admin: resource rbac.authorization.k8s.io:ClusterRole is not permitted in"
        " project team-a (clusterResourceWhitelist)",
    ]
    # Without a destination only the kinds are checked.
    assert len(check_manifests(parse_project(TEAM_A), keys)) == 1


def test_an_explicit_namespace_is_checked_whatever_the_destination_says() -> None:
    keys = [
        (ResourceKey("rbac.authorization.k8s.io", "RoleBinding", "kube-system", "pwn"), True),
        (ResourceKey("", "Secret", "team-b-db", "password"), True),
        (ResourceKey("", "ConfigMap", "team-a-web", "settings"), True),
    ]
    violations = check_manifests(
        parse_project(TEAM_A), keys, server="https://kubernetes.default.svc"
    )
    assert violations == [
        "Secret/team-b-db/password: namespace team-b-db is not permitted in project team-a"
        " (destinations)",
        "RoleBinding/kube-system/pwn: namespace kube-system is not permitted in project"
        " team-a (destinations)",
    ]


def test_a_namespace_object_is_a_destination_of_its_own_name() -> None:
    # TEAM_A whitelists Namespaces, but only its own: relabelling kube-system is writing
    # into kube-system.
    keys = [
        (ResourceKey("", "Namespace", "", "kube-system"), False),
        (ResourceKey("", "Namespace", "", "team-a-new"), False),
    ]
    violations = check_manifests(
        parse_project(TEAM_A), keys, server="https://kubernetes.default.svc"
    )
    assert violations == [
        "Namespace/kube-system: namespace kube-system is not permitted in project team-a"
        " (destinations)"
    ]


def test_a_hook_in_several_phases_is_reported_once() -> None:
    key = ResourceKey("batch", "Job", "kube-system", "migrate")
    violations = check_manifests(
        parse_project(TEAM_A), [(key, True), (key, True)], server="https://kubernetes.default.svc"
    )
    assert len(violations) == 1


def test_writing_an_appproject_needs_the_cluster_scoped_whitelist() -> None:
    # Namespaced, but it grants permissions cluster-wide: an empty namespaced whitelist
    # (everything) does not let a tenant write itself a wider project.
    key = ResourceKey("gitopsd.io", "AppProject", "team-a-web", "wider")
    assert check_manifests(parse_project(TEAM_A), [(key, True)]) == [
        "AppProject/team-a-web/wider: resource gitopsd.io:AppProject is not permitted in"
        " project team-a (clusterResourceWhitelist)"
    ]
    granted = copy.deepcopy(TEAM_A)
    granted["spec"]["clusterResourceWhitelist"] = [{"group": "gitopsd.io", "kind": "AppProject"}]
    assert check_manifests(parse_project(granted), [(key, True)]) == []
