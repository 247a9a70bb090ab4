"""What an Application may do with gitopsd's own objects among those it renders.

Two rules keep a tenant inside its project when it renders Applications (app-of-apps) or
the objects gitopsd reads its configuration from:

- **child projects**: a rendered Application must name its parent's project, or one the
  parent's AppProject lists in ``permittedChildProjects`` (``check_child_project``);
- **no takeover**: an existing Application, AppProject or ApplicationSet (anywhere), or an
  existing Secret or ConfigMap in the control namespace (repository and cluster
  credentials, ``gitopsd-cm``), is only written when it already carries this
  Application's tracking-id. Otherwise rendering one with the same name as team B's would
  take it over.

Pure: the reconciler passes the rendered objects, and the live ones it read. Called by the
reconciler before anything is applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gitopsd.model.annotations import GROUP
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.model.tracking import tracking_id, tracking_id_of
from gitopsd.project.projects import Project
from gitopsd.project.rules import check_child_project

APPLICATION = GroupKind(GROUP, "Application")
GITOPSD_KINDS = frozenset(
    {APPLICATION, GroupKind(GROUP, "AppProject"), GroupKind(GROUP, "ApplicationSet")}
)
CONTROL_NAMESPACE_KINDS = frozenset({GroupKind("", "Secret"), GroupKind("", "ConfigMap")})


def child_project_violations(
    project: Project, objects: Iterable[tuple[ResourceKey, dict[str, Any]]]
) -> list[str]:
    """One message per rendered Application whose ``spec.project`` the parent's project
    does not permit, sorted by object."""
    violations = []
    for key, obj in sorted(objects, key=lambda item: item[0]):
        if key.group_kind != APPLICATION:
            continue
        spec = obj.get("spec") or {}
        message = check_child_project(project, str(spec.get("project") or ""))
        if message:
            violations.append(f"{key}: {message}")
    return violations


def is_guarded(key: ResourceKey, control_namespace: str) -> bool:
    """Whether an existing object with ``key`` may only be written by the Application that
    already tracks it."""
    if key.group_kind in GITOPSD_KINDS:
        return True
    return key.namespace == control_namespace and key.group_kind in CONTROL_NAMESPACE_KINDS


def takeover_violations(
    objects: Iterable[tuple[ResourceKey, dict[str, Any] | None]],
    *,
    app_namespace: str,
    app_name: str,
    control_namespace: str,
) -> list[str]:
    """One message per guarded object (``key``, live object or None) that exists and is not
    tracked by this Application, sorted by object. The other owner is not named: a
    tenant learns nothing about other teams' Applications from its own status."""
    violations = []
    for key, live in sorted(objects, key=lambda item: item[0]):
        if live is None or not is_guarded(key, control_namespace):
            continue
        if tracking_id_of(live) == tracking_id(app_namespace, app_name, key):
            continue
        violations.append(
            f"{key}: already exists and is not tracked by this application; an existing "
            f"{key.kind} is never taken over"
        )
    return violations
