"""Children stay in their parent's project, and nobody else's gitopsd objects are taken
over: the rules on rendered Applications and on existing objects in the control namespace."""

from __future__ import annotations

from typing import Any

from gitopsd.model.keys import ResourceKey
from gitopsd.model.tracking import tracking_id
from gitopsd.project import child_project_violations, parse_project, takeover_violations

TEAM_A = parse_project({"metadata": {"name": "team-a"}, "spec": {"sourceRepos": ["*"]}})
CONTROL = "gitopsd"


def _application(name: str, project: str | None) -> tuple[ResourceKey, dict[str, Any]]:
    spec: dict[str, Any] = {"destination": {"namespace": "team-a-web"}}
    if project is not None:
        spec["project"] = project
    body = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": CONTROL},
        "spec": spec,
    }
    return ResourceKey.of(body), body


def test_a_rendered_application_must_stay_in_its_parents_project() -> None:
    objects = [
        _application("web", "team-a"),
        _application("escape", "default"),
        _application("implicit-default", None),
        # Not an Application: its spec.project means nothing to the rule.
        (ResourceKey("", "ConfigMap", "team-a-web", "x"), {"spec": {"project": "default"}}),
    ]
    assert child_project_violations(TEAM_A, objects) == [
        "Application/gitopsd/escape: project default is not permitted for child Applications"
        " of project team-a (permittedChildProjects)",
        "Application/gitopsd/implicit-default: project default is not permitted for child"
        " Applications of project team-a (permittedChildProjects)",
    ]


def test_permitted_child_projects_let_a_root_application_fan_out() -> None:
    root = parse_project(
        {"metadata": {"name": "platform"}, "spec": {"permittedChildProjects": ["team-*"]}}
    )
    objects = [_application("a", "team-a"), _application("b", "team-b")]
    assert child_project_violations(root, objects) == []
    assert len(child_project_violations(root, [_application("c", "default")])) == 1


def _live(key: ResourceKey, tracking: str | None) -> dict[str, Any]:
    annotations = {"gitopsd.io/tracking-id": tracking} if tracking else {}
    return {"metadata": {"name": key.name, "namespace": key.namespace, "annotations": annotations}}


def _takeovers(objects: list[tuple[ResourceKey, dict[str, Any] | None]]) -> list[str]:
    return takeover_violations(
        objects, app_namespace=CONTROL, app_name="tenant", control_namespace=CONTROL
    )


def test_existing_gitopsd_objects_tracked_by_someone_else_are_never_taken_over() -> None:
    team_b_app = ResourceKey("gitopsd.io", "Application", CONTROL, "team-b-api")
    project = ResourceKey("gitopsd.io", "AppProject", CONTROL, "team-b")
    appset = ResourceKey("gitopsd.io", "ApplicationSet", "elsewhere", "fleet")
    objects: list[tuple[ResourceKey, dict[str, Any] | None]] = [
        (team_b_app, _live(team_b_app, tracking_id(CONTROL, "team-b-root", team_b_app))),
        (project, _live(project, None)),
        (appset, _live(appset, None)),
    ]
    assert _takeovers(objects) == [
        "AppProject/gitopsd/team-b: already exists and is not tracked by this application;"
        " an existing AppProject is never taken over",
        "Application/gitopsd/team-b-api: already exists and is not tracked by this"
        " application; an existing Application is never taken over",
        "ApplicationSet/elsewhere/fleet: already exists and is not tracked by this"
        " application; an existing ApplicationSet is never taken over",
    ]


def test_own_new_and_ordinary_objects_pass() -> None:
    own = ResourceKey("gitopsd.io", "Application", CONTROL, "web")
    new = ResourceKey("gitopsd.io", "Application", CONTROL, "new")
    secret_elsewhere = ResourceKey("", "Secret", "team-a-web", "db")
    objects: list[tuple[ResourceKey, dict[str, Any] | None]] = [
        (own, _live(own, tracking_id(CONTROL, "tenant", own))),
        (new, None),
        (secret_elsewhere, _live(secret_elsewhere, None)),  # adoption as usual outside
    ]
    assert _takeovers(objects) == []


def test_control_namespace_secrets_and_configmaps_are_guarded() -> None:
    repo_creds = ResourceKey("", "Secret", CONTROL, "repo-team-b")
    config = ResourceKey("", "ConfigMap", CONTROL, "gitopsd-cm")
    # The tracking-id of the same object under another key does not count.
    copied = tracking_id(CONTROL, "tenant", repo_creds).replace("repo-team-b", "other")
    objects: list[tuple[ResourceKey, dict[str, Any] | None]] = [
        (repo_creds, _live(repo_creds, copied)),
        (config, _live(config, None)),
    ]
    assert [v.split(":")[0] for v in _takeovers(objects)] == [
        "ConfigMap/gitopsd/gitopsd-cm",
        "Secret/gitopsd/repo-team-b",
    ]
