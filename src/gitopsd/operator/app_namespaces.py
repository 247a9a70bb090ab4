"""Applications outside the control-plane namespace: watching and listing them.

kopf watches the controller's own namespace, where AppProjects, Secrets, gitopsd-cm and
ApplicationSets live as well as Applications. Applications in the namespaces that
``application.namespaces`` enables are watched here instead, so the controller needs
rights on Applications (and Events) in those namespaces and nothing else there: a tenant
namespace's Secrets and ConfigMaps are never read.

When every enabled entry is a plain name, each of those namespaces is watched on its own
(a Role per namespace is enough); a glob or a regular expression takes one cluster-wide
watch whose events are filtered by :meth:`ApplicationNamespaces.includes`. Either way an
Application in a namespace that is not enabled never reaches the controller's queue.
``Runtime`` builds one :class:`ApplicationWatcher` and calls :meth:`configure` at start
and whenever gitopsd-cm changes; ``list_applications`` serves re-queues and webhooks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from gitopsd.cluster import KubeCluster, Selection
from gitopsd.errors import ClusterError, Forbidden
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


def watch_scopes(scope: ApplicationNamespaces) -> tuple[str, ...]:
    """The namespaces to watch besides the control plane's (``""``: cluster-wide)."""
    exact = scope.exact_namespaces()
    if exact is None:
        return (CLUSTER_WIDE,)
    return exact


def list_applications(cluster: KubeCluster, scope: ApplicationNamespaces) -> list[dict[str, Any]]:
    """Every Application in ``scope``, the control-plane namespace first. A namespace the
    controller may not read is logged and skipped."""
    exact = scope.exact_namespaces()
    namespaces = (scope.control, CLUSTER_WIDE) if exact is None else (scope.control, *exact)
    found: list[dict[str, Any]] = []
    for namespace in namespaces:
        try:
            items = cluster.list(APPLICATION, namespace=namespace or None)
        except ClusterError as error:
            log.warning("listing Applications in %s: %s", namespace or "all namespaces", error)
            continue
        if namespace == CLUSTER_WIDE:  # the control plane's were listed first
            items = [a for a in items if _namespace(a) != scope.control]
        found.extend(app for app in items if scope.includes(_namespace(app)))
    return found


def _namespace(app: dict[str, Any]) -> str:
    return str((app.get("metadata") or {}).get("namespace") or "")


class ApplicationWatcher:
    """One thread per watched namespace (or one cluster-wide), restarted on reconfigure."""

    def __init__(self, cluster: KubeCluster, on_event: OnApplication) -> None:
        self.cluster = cluster
        self._on_event = on_event
        self._scope: ApplicationNamespaces | None = None
        self._generation = threading.Event()  # set: the current threads stop
        self._stopped = False
        self._lock = threading.Lock()

    def configure(self, scope: ApplicationNamespaces) -> None:
        """Watch what ``scope`` enables besides its control namespace. The previous
        watches stop (their events are dropped from now on) when the scope changed."""
        with self._lock:
            if scope == self._scope or self._stopped:
                return
            self._generation.set()
            self._generation = stop = threading.Event()
            self._scope = scope
        scopes = watch_scopes(scope) if scope.enabled else ()
        for namespace in scopes:
            name = f"watch-applications-{namespace or 'all'}"
            thread = threading.Thread(
                target=self._run, args=(namespace, scope, stop), name=name, daemon=True
            )
            thread.start()
        if scopes:
            log.info("watching Applications in %s", ", ".join(scope.enabled))

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._generation.set()

    def _run(self, namespace: str, scope: ApplicationNamespaces, stop: threading.Event) -> None:
        where = namespace or "all namespaces"
        delay = 0.5
        while not stop.is_set():
            try:
                items, version = self.cluster.list_with_version(Selection(APPLICATION, namespace))
                for app in items:
                    self._deliver("ADDED", app, scope, stop)
                delay = 0.5
                self._stream(namespace, version, scope, stop)
            except Forbidden:
                log.warning("watching Applications in %s: denied by RBAC", where)
                stop.wait(60.0)
            except ClusterError as error:
                log.debug("watching Applications in %s: %s; restarting", where, error)
                stop.wait(delay)
                delay = min(delay * 2, 30.0)

    def _stream(
        self, namespace: str, version: str, scope: ApplicationNamespaces, stop: threading.Event
    ) -> None:
        while not stop.is_set():
            for event_type, app in self.cluster.watch(
                Selection(APPLICATION, namespace),
                resource_version=version,
                timeout_seconds=WATCH_TIMEOUT_SECONDS,
            ):
                if event_type == "ERROR":
                    return  # usually 410 Gone: list again
                version = str((app.get("metadata") or {}).get("resourceVersion") or version)
                if event_type != "BOOKMARK":
                    self._deliver(event_type, app, scope, stop)
                if stop.is_set():
                    return

    def _deliver(
        self,
        event_type: str,
        app: dict[str, Any],
        scope: ApplicationNamespaces,
        stop: threading.Event,
    ) -> None:
        namespace = _namespace(app)
        # The control plane's Applications come through kopf; others only when enabled.
        if stop.is_set() or namespace == scope.control or not scope.includes(namespace):
            return
        self._on_event(event_type, app)
