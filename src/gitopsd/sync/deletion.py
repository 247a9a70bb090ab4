"""Cascading deletion of an Application's resources (the resources finalizer).

Called by the reconciler for an Application with a ``deletionTimestamp``.

Deletes what the inventory lists and still carries this application's tracking, except
``Delete=false`` and what the AppProject does not permit (``refused``: such an entry is
never deleted, only reported, and the Application's deletion still completes); returns
what is still present so the caller waits for it, and what is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitopsd.desired import tracking_label_value
from gitopsd.errors import ClusterError
from gitopsd.model.finalizers import resources_finalizer_propagation
from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import PropagationPolicy
from gitopsd.plan import KeptObject, deletion_set
from gitopsd.ports import ClusterPort
from gitopsd.sync import operation_state as opstate
from gitopsd.sync.admission import refused_inventory
from gitopsd.sync.deleting import delete_tracked_hooks, resources_finalizers
from gitopsd.sync.live import read_live
from gitopsd.sync.passes import AppEvent, Subject

RETRY_SECONDS = 5.0  # the API server failed us: try again soon


@dataclass(frozen=True)
class DeletionProgress:
    remaining: tuple[ResourceKey, ...]  # delete requested, still present: wait for them
    kept: tuple[KeptObject, ...] = field(default=())  # never deleted, and why


def delete_app_resources(
    cluster: ClusterPort,
    inventory: frozenset[ResourceKey],
    *,
    tracking: str,
    app_namespace: str,
    app_name: str,
    propagation: str,
    refused: Mapping[ResourceKey, str] | None = None,
) -> DeletionProgress:
    served = cluster.resources()
    keys = frozenset(k for k in inventory if k.group_kind in served)
    live = read_live(cluster, keys, tracking_value=tracking)
    plan = deletion_set(
        keys, live, app_namespace=app_namespace, app_name=app_name, refused=refused or {}
    )
    remaining = []
    for item in plan.all_items():
        remaining.append(item.key)
        try:
            cluster.delete(item.key, propagation=propagation)
        except ClusterError:
            continue  # still remaining; retried on the next pass
    return DeletionProgress(tuple(remaining), plan.skipped)


@dataclass(frozen=True)
class FinalizerOutcome:
    """What one pass over a deleted Application did, for the reconciler's result."""

    remove_finalizers: tuple[str, ...] = ()
    requeue_after: float | None = None
    events: tuple[AppEvent, ...] = ()


def run_resources_finalizer(app: dict[str, Any], p: Subject) -> FinalizerOutcome:
    """One pass of the resources finalizer: delete what is ours and permitted, come back
    while any of it is still there, then release the Application (reporting, once, what
    it leaves behind and why)."""
    finalizers = resources_finalizers(app)
    if not finalizers:
        return FinalizerOutcome()
    background = any(
        resources_finalizer_propagation(f) == PropagationPolicy.BACKGROUND for f in finalizers
    )
    try:
        refused = refused_inventory(
            p.project,
            p.inventory,
            p.cluster.resources(),
            server=p.server,
            cluster_name=p.spec.destination.name,
        )
        propagation = "Background" if background else "Foreground"
        progress = delete_app_resources(
            p.cluster,
            p.inventory,
            tracking=tracking_label_value(p.app_namespace, p.app_name),
            app_namespace=p.app_namespace,
            app_name=p.app_name,
            propagation=propagation,
            refused=refused,
        )
        # The last operation's completed hooks are not in the inventory, but a leftover
        # would block a later application using the same names; the project applies too.
        hooks = opstate.recorded_hook_keys((app.get("status") or {}).get("operationState"))
        refused_hooks = refused_inventory(
            p.project,
            frozenset(hooks),
            p.cluster.resources(),
            server=p.server,
            cluster_name=p.spec.destination.name,
        )
        hooks_left = delete_tracked_hooks(
            p.cluster,
            [key for key in hooks if key not in refused_hooks],
            app_namespace=p.app_namespace,
            app_name=p.app_name,
            propagation=propagation,
        )
    except ClusterError as error:
        event = AppEvent("Warning", "DeletionError", str(error))
        return FinalizerOutcome(requeue_after=RETRY_SECONDS, events=(event,))
    if progress.remaining or hooks_left:
        message = f"waiting for {len(progress.remaining) + len(hooks_left)} resources"
        return FinalizerOutcome(
            requeue_after=1.0, events=(AppEvent("Normal", "Deleting", message),)
        )
    kept = tuple(AppEvent("Warning", "ResourceKept", k.reason) for k in progress.kept)
    return FinalizerOutcome(remove_finalizers=finalizers, events=kept)
