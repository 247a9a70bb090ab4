"""Reading the live state of an application's objects.

One LIST per kind, filtered by the application's tracking label, finds what we manage; a
GET finds desired objects that exist but do not carry our label yet (first sync, adopted or
shared objects). Called by the reconciler once per pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gitopsd.errors import ClusterError, NotFound
from gitopsd.model.annotations import TRACKING_LABEL
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import ClusterPort

LiveState = dict[ResourceKey, dict[str, Any] | None]


def read_live(
    cluster: ClusterPort,
    keys: Iterable[ResourceKey],
    *,
    tracking_value: str,
) -> LiveState:
    """Live objects for ``keys`` (None where absent) plus every other object that carries
    this application's tracking label in the listed kinds and namespaces.

    Namespaced kinds are listed per namespace, so a controller whose RBAC covers only its
    destination namespaces can read them."""
    wanted = sorted(set(keys))
    served = cluster.resources()
    live: LiveState = {}
    selector = f"{TRACKING_LABEL}={tracking_value}"
    scopes = sorted(
        {
            (key.group_kind, key.namespace if served[key.group_kind].namespaced else "")
            for key in wanted
            if key.group_kind in served
        }
    )
    for group_kind, namespace in scopes:
        for obj in cluster.list(group_kind, namespace=namespace or None, label_selector=selector):
            live[ResourceKey.of(obj)] = obj
    for key in wanted:
        if key in live:
            continue
        if key.group_kind not in served:
            live[key] = None  # kind not installed (yet): its objects are all missing
            continue
        try:
            live[key] = cluster.get(key)
        except NotFound:
            live[key] = None
    return live


def kinds_of(keys: Iterable[ResourceKey]) -> list[GroupKind]:
    return sorted({key.group_kind for key in keys})


def scan_namespace(
    cluster: ClusterPort, namespace: str
) -> list[tuple[ResourceKey, dict[str, Any]]]:
    """Every object of every listable namespaced kind in ``namespace`` (orphan detection).
    Kinds that fail to list (aggregated APIs down, RBAC) are skipped."""
    found: list[tuple[ResourceKey, dict[str, Any]]] = []
    for group_kind, resource in sorted(cluster.resources().items()):
        if not resource.namespaced or "list" not in resource.verbs:
            continue
        if group_kind.kind in ("Event", "Lease", "EndpointSlice", "Endpoints"):
            continue  # written by the system, never by people
        try:
            items = cluster.list(group_kind, namespace=namespace)
        except ClusterError:
            continue
        found.extend((ResourceKey.of(obj), obj) for obj in items)
    return found
