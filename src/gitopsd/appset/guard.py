"""The project guard for ApplicationSets that an Application rendered (app-of-appsets).

An ApplicationSet written by a sync carries its Application's ``gitopsd.io/tracking-id``
annotation (``<app-namespace>_<app>:...``). Whoever could push to that Application's
repository wrote its template, so every Application it generates must stay where its
parent could go: in the parent Application's project, or one the parent's AppProject
lists in ``permittedChildProjects``, and in the ApplicationSet's own namespace. The check
runs on every generated Application after templating and before anything is created;
one violation fails the whole generation (nothing is created, updated or deleted).

An ApplicationSet without the annotation was written by someone with direct access to
the namespace and is not restricted here. Called by :mod:`gitopsd.appset.reconcile`; the
operator resolves the parent (``rendered_by``, then the Application and its AppProject).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gitopsd.errors import SpecError
from gitopsd.model.annotations import TRACKING_ID_ANNOTATION
from gitopsd.model.keys import ResourceKey
from gitopsd.model.tracking import parse_tracking_id, tracking_id_of
from gitopsd.project import Project, check_child_project, ensure_permitted


@dataclass(frozen=True)
class ParentProject:
    """The Application that rendered an ApplicationSet (``Application/ns/name``) and the
    parsed AppProject that Application belongs to."""

    application: str
    project: Project


def rendered_by(appset: dict[str, Any]) -> tuple[str, str] | None:
    """(namespace, name) of the Application whose sync wrote ``appset``, or None.

    Raises SpecError when the annotation is there but unreadable: such an ApplicationSet
    generates nothing (failing closed) until the annotation is fixed.
    """
    value = tracking_id_of(appset)
    if value is None:
        return None
    try:
        parsed = parse_tracking_id(value)
    except ValueError as error:
        raise SpecError(f"{TRACKING_ID_ANNOTATION} {value!r} cannot be read") from error
    return parsed.app_namespace, parsed.app_name


def check_generated(
    applications: Sequence[dict[str, Any]], parent: ParentProject, appset_namespace: str
) -> None:
    """Raise ProjectViolation naming every generated Application outside the parent's
    project (or namespace), and the project it named."""
    violations = []
    for application in applications:
        key = ResourceKey.of(application)
        if key.namespace != appset_namespace:
            violations.append(
                f"{key}: generated outside the ApplicationSet's namespace {appset_namespace}"
            )
        project = str((application.get("spec") or {}).get("project") or "")
        message = check_child_project(parent.project, project)
        if message:
            violations.append(f"{key}: {message}")
    ensure_permitted(violations, subject=f"rendered by {parent.application}")
