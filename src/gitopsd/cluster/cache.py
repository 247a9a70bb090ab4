"""In-memory copies of one kind of object, kept current by a watch: :class:`WatchCache`.

``gitopsd server`` answers every read from these caches instead of asking the API server
per request. One daemon thread per cache lists the objects, then watches from the list's
resourceVersion. A watch that ends, or an ``ERROR`` event (410 Gone: the version is too
old to resume from), makes the thread list again; the new list is compared with the copy
held, and the differences are reported as ``ADDED``/``MODIFIED``/``DELETED``, so a
listener never misses a change across a relist. Failures back off from 0.5 s to 30 s.

Objects are stored through a transform, by default :func:`slim` (without
``metadata.managedFields``: large, and never served); a cache of Secrets can mask or drop
values before they are ever held. An optional index (for example by owner uid) is kept up
to date with the objects.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from gitopsd.cluster.kube import KubeCluster, Selection
from gitopsd.errors import ClusterError, Forbidden
from gitopsd.ports import KubeObject

log = logging.getLogger(__name__)

Listener = Callable[[str, KubeObject], None]  # (ADDED | MODIFIED | DELETED, object)
Indexer = Callable[[KubeObject], Iterable[str]]
Transform = Callable[[KubeObject], KubeObject]
ObjectName = tuple[str, str]  # (namespace, name)

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"
MAX_BACKOFF_SECONDS = 30.0


def slim(obj: KubeObject) -> KubeObject:
    """The object without ``managedFields``: the server never serves them."""
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and "managedFields" in metadata:
        obj = {**obj, "metadata": {k: v for k, v in metadata.items() if k != "managedFields"}}
    return obj


def name_of(obj: KubeObject) -> ObjectName:
    metadata = obj.get("metadata") or {}
    return str(metadata.get("namespace") or ""), str(metadata.get("name") or "")


class WatchCache:
    """The objects of one :class:`Selection` (what the cache lists, then watches),
    current within a watch event's latency."""

    def __init__(
        self,
        cluster: KubeCluster,
        scope: Selection,
        *,
        indexer: Indexer | None = None,
        transform: Transform | None = None,
        watch_timeout_seconds: int = 300,
    ) -> None:
        self.cluster = cluster
        self.scope = scope
        self._indexer = indexer
        self._transform = transform or slim
        self._watch_timeout = watch_timeout_seconds
        self._objects: dict[ObjectName, KubeObject] = {}
        self._index: dict[str, set[ObjectName]] = {}
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.resource_version = ""
        self.last_error = ""
        # Bumped on every change, so readers can tell cheaply whether to recompute.
        self.generation = 0

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            name = f"cache-{self.scope.group_kind.kind}-{self.scope.namespace or 'all'}"
            self._thread = threading.Thread(target=self._run, name=name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait_ready(self, timeout: float) -> bool:
        return self._ready.wait(timeout)

    # --- reads --------------------------------------------------------------------------
    def get(self, namespace: str, name: str) -> KubeObject | None:
        with self._lock:
            return self._objects.get((namespace, name))

    def items(self) -> list[KubeObject]:
        """Every object, in (namespace, name) order."""
        with self._lock:
            return [self._objects[key] for key in sorted(self._objects)]

    def by_index(self, value: str) -> list[KubeObject]:
        with self._lock:
            names = sorted(self._index.get(value, ()))
            return [self._objects[key] for key in names if key in self._objects]

    def __len__(self) -> int:
        with self._lock:
            return len(self._objects)

    # --- listeners ----------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` (on the cache's thread) for every change; returns unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    # --- the thread ---------------------------------------------------------------------
    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                self._relist()
                delay = 0.5
                self._watch()
            except Forbidden as error:
                self.last_error = str(error)
                log.warning("cache %s: denied by RBAC; retrying in 30s", self.scope)
                self._stop.wait(MAX_BACKOFF_SECONDS)
            except ClusterError as error:
                self.last_error = str(error)
                log.debug("cache %s: %s; relisting", self.scope, error)
                self._stop.wait(delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)

    def _relist(self) -> None:
        kept, version = self.cluster.collect(self.scope, self._transform)
        fresh = {name_of(obj): obj for obj in kept}
        with self._lock:
            old = self._objects
        changes = [(DELETED, obj) for key, obj in old.items() if key not in fresh]
        for key, obj in fresh.items():
            before = old.get(key)
            if before is None:
                changes.append((ADDED, obj))
            elif _version(before) != _version(obj):
                changes.append((MODIFIED, obj))
        for event_type, obj in changes:
            self._apply(event_type, obj)
        self.resource_version = version
        self.last_error = ""
        self._ready.set()

    def _watch(self) -> None:
        for event_type, obj in self.cluster.watch(
            self.scope, resource_version=self.resource_version, timeout_seconds=self._watch_timeout
        ):
            if self._stop.is_set():
                return
            if event_type == "ERROR":
                return  # usually 410 Gone: relist
            version = _version(obj)
            if version:
                self.resource_version = version
            if event_type in (ADDED, MODIFIED, DELETED):
                self._apply(event_type, self._transform(obj))

    def _apply(self, event_type: str, obj: KubeObject) -> None:
        key = name_of(obj)
        with self._lock:
            previous = self._objects.pop(key, None)
            if previous is not None:
                self._unindex(key, previous)
            if event_type != DELETED:
                self._objects[key] = obj
                self._reindex(key, obj)
            self.generation += 1
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event_type, obj)
            except Exception:  # a listener's bug must not stop the cache
                log.exception("cache %s: listener failed", self.scope)

    def _reindex(self, key: ObjectName, obj: KubeObject) -> None:
        if self._indexer is not None:
            for value in self._indexer(obj):
                self._index.setdefault(value, set()).add(key)

    def _unindex(self, key: ObjectName, obj: KubeObject) -> None:
        if self._indexer is not None:
            for value in self._indexer(obj):
                names = self._index.get(value)
                if names is not None:
                    names.discard(key)
                    if not names:
                        del self._index[value]


def _version(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def owner_uids(obj: KubeObject) -> list[str]:
    """An :data:`Indexer` by the uids of the object's owners."""
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [str(ref.get("uid")) for ref in refs if isinstance(ref, dict) and ref.get("uid")]
