"""What the resources finalizer needs that a normal pass does not: deciding whether an
Application being deleted has anything to clean up, and removing its leftover hooks.

Deletion must always complete, so it does not depend on what a normal pass checks: an
invalid spec, a project that refuses the Application or a missing project do not stop
it. What it needs is the destination cluster and the inventory. With nothing ever
deployed there is nothing to do; with the destination cluster gone there is nothing
gitopsd can do, and the finalizer is released with an event saying so (as Argo CD does).
Called by :meth:`gitopsd.sync.reconciler.Reconciler.reconcile` before anything else when
the Application has a ``deletionTimestamp``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gitopsd.desired import tracking_mismatch
from gitopsd.errors import ClusterError, SpecError
from gitopsd.model import finalizers as names
from gitopsd.model.keys import ResourceKey
from gitopsd.ports import ClusterPort
from gitopsd.project import (
    ApplicationNamespaces,
    default_project,
    find_project,
    source_namespace_violation,
)
from gitopsd.spec import ApplicationSpec, SyncPolicy, parse_application_spec, parse_destination
from gitopsd.status import inventory_of
from gitopsd.sync import operation_state as opstate
from gitopsd.sync.environment import Environment
from gitopsd.sync.passes import AppEvent, Subject


@dataclass(frozen=True)
class Release:
    """Nothing to delete, or nowhere to delete it: remove these finalizers now."""

    finalizers: tuple[str, ...]
    events: list[AppEvent] = field(default_factory=list)


def deletion_scope(
    app: dict[str, Any], env: Environment, namespaces: ApplicationNamespaces
) -> Subject | Release:
    """What deleting ``app`` needs, without the checks of a normal pass: an invalid spec
    or a refusing (or missing) project never blocks deletion. Projects come from the
    control-plane namespace only; an Application whose namespace its project does not
    admit was never reconciled, so it is released without deleting anything."""
    finalizers = resources_finalizers(app)
    previous = app.get("status") or {}
    inventory = inventory_of(previous)
    hooks = opstate.recorded_hook_keys(previous.get("operationState"))
    if not finalizers or not (inventory or hooks):
        return Release(finalizers)  # nothing ever deployed, or no cascade asked
    raw = app.get("spec") or {}
    try:
        spec: ApplicationSpec | None = parse_application_spec(raw)
    except SpecError:
        spec = None
    project_name = spec.project if spec else str(raw.get("project") or "") or "default"
    try:
        project = find_project(project_name, env.projects(namespaces.control))
    except SpecError:
        project = default_project()
    namespace = str((app.get("metadata") or {}).get("namespace", ""))
    refused = source_namespace_violation(namespace, namespaces, project)
    if refused:  # never reconciled here, so nothing of its own to delete
        message = f"{refused}: nothing was deleted and the finalizer was removed"
        return Release(finalizers, [AppEvent("Warning", "DeletionSkipped", message)])
    try:
        destination = spec.destination if spec else parse_destination(raw)
        cluster, server = env.cluster_for(destination)
    except SpecError as error:
        server = str((raw.get("destination") or {}).get("server") or "")
        message = cluster_gone_message(server, str(error), len(inventory))
        return Release(finalizers, [AppEvent("Warning", "DeletionSkipped", message)])
    if spec is None:
        spec = ApplicationSpec(str(raw.get("project") or ""), (), destination, SyncPolicy())
    name = str((app.get("metadata") or {}).get("name", ""))
    return Subject(namespace, name, spec, project, cluster, server, inventory)


def resources_finalizers(app: dict[str, Any]) -> tuple[str, ...]:
    """The Application's resources finalizers (any of their names)."""
    return names.resources_finalizers((app.get("metadata") or {}).get("finalizers") or [])


def cluster_gone_message(server: str, error: str, inventory_size: int) -> str:
    return (
        f"destination cluster {server or '(unnamed)'} is not registered any more ({error}); "
        f"{inventory_size} resources were left in place and the finalizer was removed"
    )


def delete_tracked_hooks(
    cluster: ClusterPort,
    hooks: list[ResourceKey],
    *,
    app_namespace: str,
    app_name: str,
    propagation: str,
) -> list[ResourceKey]:
    """Delete the completed hook objects of the last operation that still carry this
    application's tracking (they are not in the inventory, and a leftover would block a
    later application using the same hook names). Returns those still present."""
    remaining = []
    for key in hooks:
        try:
            live = cluster.get(key)
        except ClusterError:
            continue  # the kind is gone: so is the hook
        if live is None or tracking_mismatch(live, key, app_namespace, app_name) is not None:
            continue
        remaining.append(key)
        try:
            cluster.delete(key, propagation=propagation)
        except ClusterError:
            continue  # still remaining; retried on the next pass
    return remaining
