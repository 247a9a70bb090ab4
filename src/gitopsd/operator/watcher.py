"""Watches on the objects gitopsd manages, so a manual edit or delete re-queues its
Application within seconds.

One thread per (cluster, kind) watches objects carrying the tracking label (server-side
label selector, so unrelated objects never reach us), and reports the label's value on
every change. The watch asks for metadata only: the label and the fact of a change are
all it needs (the pass reads the objects it compares), so a Deployment's status update
costs its metadata's bytes, not the whole object's. For the same reason it starts from
the resourceVersion of a one-object list rather than a list of every object. Kinds are
added as applications start to manage them.
When RBAC forbids watching a kind cluster-wide (a controller installed with namespaced
rights), the kind is watched in each namespace applications deploy it to instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from gitopsd.cluster import KubeCluster, Selection
from gitopsd.errors import ClusterError, Forbidden
from gitopsd.model.annotations import TRACKING_LABEL
from gitopsd.model.keys import GroupKind

log = logging.getLogger(__name__)

OnChange = Callable[[str, str, str], None]  # (label value, event type, "Kind ns/name")
Scope = tuple[GroupKind, str]  # (kind, namespace); "" is cluster-wide


class ManagedObjectWatcher:
    def __init__(self, cluster: KubeCluster, on_change: OnChange, *, server: str) -> None:
        self.cluster = cluster
        self.server = server
        self._on_change = on_change
        self._started: set[Scope] = set()
        self._namespaces: dict[GroupKind, set[str]] = {}
        self._per_namespace: set[GroupKind] = set()  # cluster-wide watching was forbidden
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.connected = True

    def ensure(self, group_kind: GroupKind, namespace: str = "") -> None:
        """Watch ``group_kind`` (cluster-wide, or in ``namespace`` once that is forbidden)."""
        with self._lock:
            if namespace:
                self._namespaces.setdefault(group_kind, set()).add(namespace)
            scope = (group_kind, namespace if group_kind in self._per_namespace else "")
        self._start(scope)

    def stop(self) -> None:
        self._stop.set()

    def _start(self, scope: Scope) -> None:
        with self._lock:
            if scope in self._started or self._stop.is_set():
                return
            self._started.add(scope)
        name = f"watch-{scope[0]}-{scope[1] or 'all'}"
        threading.Thread(target=self._run, args=scope, name=name, daemon=True).start()

    def _run(self, group_kind: GroupKind, namespace: str) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                # No initial state is needed (a pass reads what it compares), only where
                # to start watching: every replica watches every object of the kind, so
                # listing them all was a transient the size of the whole fleet.
                version = self.cluster.resource_version(_selection(group_kind, namespace))
                self.connected = True
                delay = 0.5
                self._stream(group_kind, namespace, version)
            except Forbidden:
                if not namespace:
                    self._watch_per_namespace(group_kind)
                    return
                log.warning(
                    "watch %s in %s on %s: denied by RBAC", group_kind, namespace, self.server
                )
                self._stop.wait(60.0)
            except ClusterError as error:
                self.connected = error.status != 0
                log.debug("watch %s on %s: %s; restarting", group_kind, self.server, error)
                self._stop.wait(delay)
                delay = min(delay * 2, 30.0)

    def _watch_per_namespace(self, group_kind: GroupKind) -> None:
        log.info(
            "watching %s per namespace on %s: RBAC grants namespaced watches only",
            group_kind,
            self.server,
        )
        with self._lock:
            self._per_namespace.add(group_kind)
            namespaces = sorted(self._namespaces.get(group_kind, ()))
        for namespace in namespaces:
            self._start((group_kind, namespace))

    def _stream(self, group_kind: GroupKind, namespace: str, version: str) -> None:
        while not self._stop.is_set():
            for event_type, obj in self.cluster.watch(
                _selection(group_kind, namespace), resource_version=version
            ):
                if self._stop.is_set():
                    return
                metadata = obj.get("metadata") or {}
                if event_type == "ERROR":
                    return  # usually 410 Gone: relist
                version = str(metadata.get("resourceVersion") or version)
                if event_type == "BOOKMARK":
                    continue
                label = (metadata.get("labels") or {}).get(TRACKING_LABEL)
                if label:
                    what = f"{group_kind} {metadata.get('namespace') or ''}/{metadata.get('name')}"
                    self._on_change(str(label), event_type, what)


def _selection(group_kind: GroupKind, namespace: str) -> Selection:
    return Selection(group_kind, namespace, TRACKING_LABEL, metadata_only=True)
