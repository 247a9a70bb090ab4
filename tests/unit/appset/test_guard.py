"""An ApplicationSet that an Application rendered generates only inside that Application's
project: every generated Application is checked after templating, and one outside fails
the whole generation (no create, update or delete)."""

from __future__ import annotations

from typing import Any

import pytest

from gitopsd.appset import ActionVerb, LocalRepoFiles, ParentProject, reconcile, rendered_by
from gitopsd.errors import SpecError
from gitopsd.project import parse_project

TRACKING = "gitopsd_tenant-root:gitopsd.io/ApplicationSet:gitopsd/fleet"
TENANT = ParentProject(
    "Application/gitopsd/tenant-root",
    parse_project(
        {"metadata": {"name": "tenant"}, "spec": {"permittedChildProjects": ["tenant-*"]}}
    ),
)


def _appset(*projects: str, namespace: str = "") -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "{{name}}"}
    if namespace:
        metadata["namespace"] = namespace
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {
            "name": "fleet",
            "namespace": "gitopsd",
            "annotations": {"gitopsd.io/tracking-id": TRACKING},
        },
        "spec": {
            "generators": [
                {"list": {"elements": [{"name": f"app-{p}", "project": p} for p in projects]}}
            ],
            "template": {
                "metadata": metadata,
                "spec": {
                    "project": "{{project}}",
                    "source": {"repoURL": "https://git.example.com/t.git", "path": "x"},
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": "t"},
                },
            },
        },
    }


def _owned(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": "gitopsd"},
        "spec": {"project": "tenant"},
    }


def test_the_parent_is_read_from_the_tracking_id() -> None:
    assert rendered_by(_appset("tenant")) == ("gitopsd", "tenant-root")
    assert rendered_by({"metadata": {"name": "by-hand"}}) is None
    broken = {"metadata": {"annotations": {"gitopsd.io/tracking-id": "nonsense"}}}
    with pytest.raises(SpecError, match="cannot be read"):
        rendered_by(broken)


def test_a_template_naming_another_project_fails_the_whole_generation() -> None:
    plan = reconcile(
        _appset("tenant", "default"),
        [_owned("app-old")],
        repos=LocalRepoFiles(),
        parent=TENANT,
    )
    assert plan.actions == ()  # not even the permitted one, and app-old is not deleted
    assert plan.error == (
        "ApplicationSet/gitopsd/fleet: rendered by Application/gitopsd/tenant-root:"
        " Application/gitopsd/app-default: project default is not permitted for child"
        " Applications of project tenant (permittedChildProjects)"
    )
    by_type = {c.type: c.to_dict() for c in plan.conditions}
    assert by_type["ErrorOccurred"]["status"] == "True"
    assert "project default" in by_type["ErrorOccurred"]["message"]


def test_the_parents_project_and_permitted_ones_are_generated() -> None:
    plan = reconcile(_appset("tenant", "tenant-web"), [], repos=LocalRepoFiles(), parent=TENANT)
    assert [a.name for a in plan.of(ActionVerb.CREATE)] == ["app-tenant", "app-tenant-web"]


def test_a_generated_application_outside_the_appsets_namespace_is_refused() -> None:
    plan = reconcile(
        _appset("tenant", namespace="team-b"), [], repos=LocalRepoFiles(), parent=TENANT
    )
    assert plan.actions == ()
    assert "Application/team-b/app-tenant: generated outside the ApplicationSet's namespace" in (
        plan.error
    )


def test_an_appset_written_directly_is_not_restricted() -> None:
    plan = reconcile(_appset("default", "anything"), [], repos=LocalRepoFiles())
    assert len(plan.of(ActionVerb.CREATE)) == 2
