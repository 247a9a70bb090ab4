"""Which Applications the controller sees: watching them (metadata only) and listing them.

Applications live in the control-plane namespace and in the namespaces that
``application.namespaces`` enables; the controller needs rights on Applications (and
Events) in those namespaces and nothing else there: a tenant namespace's Secrets and
ConfigMaps are never read.

The watch asks for metadata only. What asks for a pass (generation, annotations,
finalizers, deletion) is metadata, and the pass reads the Application itself; so neither
the start-up list nor the stream of status writes (this replica's and, when sharding, the
others') is parsed or held whole. Each watched namespace has a :class:`WatchCache` of
that slimmed metadata, whose relists report what was added, changed or deleted while the
watch was down.

When every enabled entry is a plain name, the control plane's and each of those
namespaces are watched on their own (a Role per namespace is enough); a glob or a regular
expression takes one cluster-wide watch whose events are filtered by
:meth:`ApplicationNamespaces.includes`. Either way an Application in a namespace that is
not enabled never reaches the controller's queue. ``Runtime`` builds one
:class:`ApplicationWatcher` and calls :meth:`configure` at start and whenever gitopsd-cm
changes; :func:`iter_applications` pages through whole Applications for webhooks and
Git warming.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from gitopsd.cluster import KubeCluster, Selection
from gitopsd.cluster.cache import WatchCache
from gitopsd.errors import ClusterError
from gitopsd.model.annotations import GROUP
from gitopsd.model.keys import GroupKind
from gitopsd.project import ApplicationNamespaces

log = logging.getLogger(__name__)

APPLICATION = GroupKind(GROUP, "Application")
OnApplication = Callable[[str, dict[str, Any]], object]  # (event type, Application)
# Watches end after this long and are re-opened, so a reconfigured watcher's old
# threads let go of their connections soon.
WATCH_TIMEOUT_SECONDS = 60
CLUSTER_WIDE = ""


# Kept from an Application's metadata: what its intent digest, its key and its
# ApplicationSet owner are read from. kubectl's last-applied annotation is dropped (a copy
# of the spec, whose changes move the generation).
KEPT_METADATA = (
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "annotations",
    "finalizers",
    "deletionTimestamp",
    "ownerReferences",
)
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
PAGE_SIZE = 250


def watch_scopes(scope: ApplicationNamespaces) -> tuple[str, ...]:
    """The namespaces to watch (``""``: cluster-wide), the control plane's included."""
    exact = scope.exact_namespaces()
    if exact is None:
        return (CLUSTER_WIDE,)
    return (scope.control, *exact)


def slim_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata") or {}
    kept = {k: metadata[k] for k in KEPT_METADATA if k in metadata}
    annotations = kept.get("annotations")
    if annotations and LAST_APPLIED in annotations:
        kept["annotations"] = {k: v for k, v in annotations.items() if k != LAST_APPLIED}
    return {"metadata": kept}


def iter_applications(
    cluster: KubeCluster, scope: ApplicationNamespaces, *, page_size: int = PAGE_SIZE
) -> Iterator[dict[str, Any]]:
    """Every Application in ``scope``, the control-plane namespace first, a page at a
    time (a caller keeping only what it needs never holds them all). A namespace the
    controller may not read is logged and skipped."""
    exact = scope.exact_namespaces()
    namespaces = (scope.control, CLUSTER_WIDE) if exact is None else (scope.control, *exact)
    for namespace in namespaces:
        try:
            for page in cluster.pages(Selection(APPLICATION, namespace), page_size):
                for app in page:
                    found = _namespace(app)
                    if namespace == CLUSTER_WIDE and found == scope.control:
                        continue  # listed first
                    if scope.includes(found):
                        yield app
        except ClusterError as error:
            log.warning("listing Applications in %s: %s", namespace or "all namespaces", error)


def _namespace(app: dict[str, Any]) -> str:
    return str((app.get("metadata") or {}).get("namespace") or "")


class ApplicationWatcher:
    """One metadata cache per watched namespace (or one cluster-wide), replaced when the
    scope changes."""

    def __init__(self, cluster: KubeCluster, on_event: OnApplication) -> None:
        self.cluster = cluster
        self._on_event = on_event
        self._scope: ApplicationNamespaces | None = None
        self._caches: list[WatchCache] = []
        self._stopped = False
        self._lock = threading.Lock()

    def configure(self, scope: ApplicationNamespaces) -> None:
        """Watch the control plane's namespace and what ``scope`` enables. The previous
        watches stop (their events are dropped from now on) when the scope changed."""
        with self._lock:
            if scope == self._scope or self._stopped:
                return
            old, self._caches = self._caches, []
            self._scope = scope
            for namespace in watch_scopes(scope):
                cache = WatchCache(
                    self.cluster,
                    Selection(APPLICATION, namespace, metadata_only=True),
                    transform=slim_metadata,
                    watch_timeout_seconds=WATCH_TIMEOUT_SECONDS,
                )
                cache.subscribe(self._listener(scope, cache))
                self._caches.append(cache)
            caches = list(self._caches)
        for cache in old:
            cache.stop()
        for cache in caches:
            cache.start()
        log.info("watching Applications in %s", ", ".join((scope.control, *scope.enabled)))

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            caches, self._caches = self._caches, []
        for cache in caches:
            cache.stop()

    def _listener(
        self, scope: ApplicationNamespaces, cache: WatchCache
    ) -> Callable[[str, dict[str, Any]], None]:
        def deliver(event_type: str, app: dict[str, Any]) -> None:
            with self._lock:
                current = cache in self._caches
            if current and scope.includes(_namespace(app)):
                self._on_event(event_type, app)

        return deliver
