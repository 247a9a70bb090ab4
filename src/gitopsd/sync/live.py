"""Reading the live state of an application's objects.

One LIST per kind, filtered by the application's tracking label, finds what we manage; a
GET finds desired objects that exist but do not carry our label yet (first sync, adopted or
shared objects). Called by the reconciler once per pass.

The LISTs of a pass do not depend on each other, nor do the GETs, so each group is sent
at once from a small shared pool of threads: a pass waits for the slowest request
instead of the sum of them (on a loaded API server, four LISTs in a row were half the
time of a pass that heals an edit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from gitopsd.errors import ClusterError, NotFound
from gitopsd.model.annotations import TRACKING_LABEL
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import ClusterPort

LiveState = dict[ResourceKey, dict[str, Any] | None]
T = TypeVar("T")
R = TypeVar("R")
# Shared by every pass of the process; reads beyond it wait for a free thread.
_READERS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="live-read")


def _together(call: Callable[[T], R], items: list[T]) -> list[R]:
    """``call`` over ``items`` concurrently, results in order; the first error is raised
    (after every call has finished)."""
    if len(items) <= 1:
        return [call(item) for item in items]
    futures = [_READERS.submit(call, item) for item in items]
    errors = [f.exception() for f in futures]
    for error in errors:
        if error is not None:
            raise error
    return [f.result() for f in futures]


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

    def listed(scope: tuple[GroupKind, str]) -> list[dict[str, Any]]:
        group_kind, namespace = scope
        return cluster.list(group_kind, namespace=namespace or None, label_selector=selector)

    for items in _together(listed, scopes):
        for obj in items:
            live[ResourceKey.of(obj)] = obj
    # Desired objects the LISTs did not find: a GET each (None where absent, and for kinds
    # not installed yet, whose objects are all missing).
    unlabelled = [key for key in wanted if key not in live and key.group_kind in served]
    found = dict(zip(unlabelled, _together(_get_or_none(cluster), unlabelled), strict=True))
    for key in wanted:
        if key not in live:
            live[key] = found.get(key)
    return live


def _get_or_none(cluster: ClusterPort) -> Callable[[ResourceKey], dict[str, Any] | None]:
    def get(key: ResourceKey) -> dict[str, Any] | None:
        try:
            return cluster.get(key)
        except NotFound:
            return None

    return get


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
