"""Finding and parsing projects: the default project, missing projects, invalid windows."""

from __future__ import annotations

import pytest

from gitopsd.errors import SpecError
from gitopsd.project import default_project, find_project, parse_project


def test_missing_project_is_the_message_argo_cd_users_expect() -> None:
    known = {"team-a": parse_project({"metadata": {"name": "team-a"}})}
    with pytest.raises(SpecError, match=r"^application references project team-b which does not"):
        find_project("team-b", known)


def test_default_exists_without_being_configured() -> None:
    assert find_project("default", {}) == default_project()
    assert find_project("", {}) == default_project()


def test_a_configured_default_project_replaces_the_built_in_one() -> None:
    strict = parse_project({"metadata": {"name": "default"}, "spec": {"sourceRepos": []}})
    assert find_project("default", {"default": strict}) is strict


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (
            {"kind": "maybe", "schedule": "* * * * *", "duration": "1h"},
            "AppProject/gitopsd/team-a: spec.syncWindows[0].kind must be allow or deny",
        ),
        (
            {"kind": "deny", "schedule": "every night", "duration": "1h"},
            "AppProject/gitopsd/team-a: spec.syncWindows[0].schedule: invalid cron schedule",
        ),
        (
            {"kind": "deny", "schedule": "0 22 * * *", "duration": "1 day"},
            "AppProject/gitopsd/team-a: spec.syncWindows[0].duration: invalid duration '1 day'",
        ),
        (
            {"kind": "deny", "schedule": "0 22 * * *"},
            "AppProject/gitopsd/team-a: spec.syncWindows[0].duration: a positive duration",
        ),
        (
            {"kind": "deny", "schedule": "0 22 * * *", "duration": "1h", "timeZone": "Mars/Base"},
            "AppProject/gitopsd/team-a: spec.syncWindows[0].timeZone: unknown time zone",
        ),
    ],
    ids=["kind", "schedule", "duration", "no-duration", "time-zone"],
)
def test_invalid_windows_name_the_project_and_field(window: dict[str, str], message: str) -> None:
    body = {
        "metadata": {"name": "team-a", "namespace": "gitopsd"},
        "spec": {"syncWindows": [window]},
    }
    with pytest.raises(SpecError) as raised:
        parse_project(body)
    assert str(raised.value).startswith(message)


def test_permitted_child_projects_are_parsed_and_empty_by_default() -> None:
    listed = parse_project(
        {"metadata": {"name": "root"}, "spec": {"permittedChildProjects": ["team-*", "!x"]}}
    )
    assert listed.permitted_child_projects == ("team-*", "!x")
    assert parse_project({"metadata": {"name": "root"}}).permitted_child_projects == ()


def test_the_built_in_default_project_permits_children_anywhere() -> None:
    # It permits every kind and destination already; a configured "default" does not.
    assert default_project().permitted_child_projects == ("*",)
    configured = parse_project({"metadata": {"name": "default"}, "spec": {}})
    assert find_project("default", {"default": configured}).permitted_child_projects == ()
