"""Argo CD's policy language through Casbin: the seeds' policies, allowed and denied for
each action, deny winning across groups, policy.default, project roles, match modes."""

from __future__ import annotations

import pytest

from gitopsd.errors import ConfigError
from gitopsd.server.rbac import Enforcer, parse_rbac_configmap, project_role_lines
from gitopsd.server.rbac.enforcer import BUILTIN_LINES
from gitopsd.server.rbac.globs import glob_match

SEED_POLICY = """\
p, role:backend-deployer, applications, *, backend/*, allow
g, backend-team, role:backend-deployer
p, role:platform-engineer, applications, delete, */*, deny
"""
ACTIONS = (
    "get",
    "create",
    "update",
    "delete",
    "sync",
    "override",
    "action/apps/Deployment/restart",
)


def enforcer(policy: str = SEED_POLICY, **data: str) -> Enforcer:
    return Enforcer(parse_rbac_configmap({"policy.csv": policy, **data}))


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("obj", "expected"),
    [("backend/api", True), ("backend/worker", True), ("frontend/web", False), ("back/x", False)],
)
def test_backend_team_may_do_everything_on_backend_apps_only(
    action: str, obj: str, expected: bool
) -> None:
    assert enforcer().allowed(("alice", "backend-team"), "applications", action, obj) is expected


@pytest.mark.parametrize("resource", ["projects", "clusters", "applicationsets", "repositories"])
def test_backend_team_gets_nothing_beyond_applications(resource: str) -> None:
    assert not enforcer().allowed(("alice", "backend-team"), resource, "get", "backend/api")


@pytest.mark.parametrize("action", ACTIONS)
def test_platform_engineer_may_not_delete_even_as_admin(action: str) -> None:
    policy = SEED_POLICY + "g, platform-team, role:platform-engineer\n"
    policy += "g, role:platform-engineer, role:admin\n"
    allowed = enforcer(policy).allowed(("bob", "platform-team"), "applications", action, "web/a")
    assert allowed is (action != "delete")


def test_a_deny_for_one_group_wins_over_an_allow_for_another() -> None:
    policy = SEED_POLICY + "g, platform-team, role:platform-engineer\ng, admins, role:admin\n"
    rbac = enforcer(policy)
    assert rbac.allowed(("carol", "admins"), "applications", "delete", "web/a")
    assert not rbac.allowed(("carol", "admins", "platform-team"), "applications", "delete", "web/a")


def test_builtin_roles() -> None:
    rbac = enforcer("g, reader, role:readonly\n")
    assert rbac.allowed(("admin",), "applications", "delete", "any/app")
    assert rbac.allowed(("admin",), "clusters", "get", "https://kubernetes.default.svc")
    assert rbac.allowed(("reader",), "applications", "get", "any/app")
    assert not rbac.allowed(("reader",), "applications", "sync", "any/app")
    assert not rbac.allowed(("nobody",), "applications", "get", "any/app")


def test_builtin_policy_lines() -> None:
    lines = {(line.ptype, line.fields) for line in BUILTIN_LINES}
    assert len(lines) == len(BUILTIN_LINES) == 36
    readonly = {f[1:4] for t, f in lines if t == "p" and f[0] == "role:readonly"}
    admin = {f[1:4] for t, f in lines if t == "p" and f[0] == "role:admin"}
    assert len(readonly) == 9 and len(admin) == 25
    assert ("logs", "get", "*/*") in readonly and ("exec", "create", "*/*") in admin
    assert not any(resource == "exec" for resource, _, _ in readonly)
    assert {a for r, a, _ in admin if r == "applications"} == {
        "create",
        "update",
        "delete",
        "sync",
        "override",
        "action/*",
    }
    assert {a for r, a, _ in admin if r == "gpgkeys"} == {"create", "delete"}
    assert ("g", ("role:admin", "role:readonly")) in lines
    assert ("g", ("admin", "role:admin")) in lines
    assert all(f[-1] == "allow" for t, f in lines if t == "p")


def test_policy_default_applies_to_everyone_signed_in() -> None:
    rbac = enforcer(SEED_POLICY, **{"policy.default": "role:readonly"})
    assert rbac.allowed(("nobody",), "applications", "get", "frontend/web")
    assert not rbac.allowed(("nobody",), "applications", "sync", "frontend/web")


def test_overlays_are_read_after_policy_csv() -> None:
    rbac = enforcer("", **{"policy.team.csv": "p, dave, applications, get, web/*, allow\n"})
    assert rbac.allowed(("dave",), "applications", "get", "web/a")


def test_regex_match_mode() -> None:
    rbac = enforcer(
        "p, erin, applications, get, ^web-[0-9]+/.*$, allow\n", **{"policy.matchMode": "regex"}
    )
    assert rbac.allowed(("erin",), "applications", "get", "web-1/a")
    assert not rbac.allowed(("erin",), "applications", "get", "web-x/a")


def test_object_patterns_that_look_past_the_project_are_decided_per_object() -> None:
    rbac = enforcer("p, frank, applications, get, web/front*, allow\n")
    assert rbac.allowed(("frank",), "applications", "get", "web/frontend")
    assert not rbac.allowed(("frank",), "applications", "get", "web/backend")


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*", "a/b", True),
        ("*/*", "a/b", True),
        ("backend/*", "backend/x", True),
        ("backend/*", "backends/x", False),
        ("{web,api}/*", "api/x", True),
        ("{web,api}/*", "db/x", False),
        ("a?c/*", "abc/x", True),
        ("[ab]*/*", "b1/x", True),
        ("action/*", "action/apps/Deployment/restart", True),
    ],
)
def test_glob_matching(pattern: str, value: str, expected: bool) -> None:
    assert glob_match(value, pattern) is expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"policy.csv": "p, a, applications, get"}, "line 1"),
        ({"policy.csv": "p, a, applications, get, x/*, maybe"}, "neither allow nor deny"),
        ({"policy.csv": "x, a, b"}, "starts with 'p' or 'g'"),
        ({"policy.csv": "g, onlyone"}, "line 1"),
        ({"policy.matchMode": "fuzzy"}, "glob or regex"),
        ({"scopes": "{a: b}"}, "list of claim names"),
    ],
)
def test_invalid_configmaps_name_what_is_wrong(data: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_rbac_configmap(data)


def test_scopes() -> None:
    assert parse_rbac_configmap({}).scopes == ("groups",)
    assert parse_rbac_configmap({"scopes": "[groups, email]"}).scopes == ("groups", "email")


def test_project_roles_grant_their_own_project_only() -> None:
    projects = [
        {
            "metadata": {"name": "backend"},
            "spec": {
                "roles": [
                    {
                        "name": "ci",
                        "policies": [
                            "p, proj:backend:ci, applications, sync, backend/*, allow",
                            "p, proj:backend:ci, applications, sync, frontend/*, allow",
                            "p, someone-else, applications, delete, */*, allow",
                        ],
                        "groups": ["ci-bots"],
                    }
                ]
            },
        }
    ]
    lines = project_role_lines(projects)
    assert [str(line) for line in lines] == [
        "p, proj:backend:ci, applications, sync, backend/*, allow",
        "g, ci-bots, proj:backend:ci",
    ]
    rbac = Enforcer(parse_rbac_configmap({}), lines)
    assert rbac.allowed(("bot", "ci-bots"), "applications", "sync", "backend/api")
    assert not rbac.allowed(("bot", "ci-bots"), "applications", "sync", "frontend/web")
    assert rbac.allowed(("proj:backend:ci",), "applications", "sync", "backend/api")
