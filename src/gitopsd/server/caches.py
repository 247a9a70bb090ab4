"""The watch caches the server reads from, one per kind, started once at start-up.

In the Application namespace: Applications, AppProjects, ApplicationSets, cluster
Secrets (credentials dropped before they are held), repository Secrets (for rendering
target states; never served), ``gitopsd-cm``, ``gitopsd-rbac-cm``,
``gitopsd-secret`` and Events. Live objects for resource trees are cached per kind on
first use (:class:`LiveObjects`): the kinds applications manage, selected by the
tracking label, and the kinds that are usually owned by them (ReplicaSets, Pods, Jobs),
indexed by owner uid. Built by :mod:`gitopsd.server.main`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from gitopsd.cluster import KubeCluster, Selection
from gitopsd.cluster.cache import WatchCache, owner_uids, slim
from gitopsd.model.annotations import (
    CONFIGMAP_NAME,
    GROUP,
    SECRET_TYPE_CLUSTER,
    SECRET_TYPE_LABEL,
    SECRET_TYPE_REPO_CREDS,
    SECRET_TYPE_REPOSITORY,
    TRACKING_LABEL,
)
from gitopsd.model.keys import GroupKind
from gitopsd.model.secrets import mask_secret
from gitopsd.ports import KubeObject
from gitopsd.server.rbac.policy import RBAC_CONFIGMAP
from gitopsd.server.secrets import SERVER_SECRET

APPLICATION = GroupKind(GROUP, "Application")
APPPROJECT = GroupKind(GROUP, "AppProject")
APPLICATIONSET = GroupKind(GROUP, "ApplicationSet")
SECRET = GroupKind("", "Secret")
CONFIGMAP = GroupKind("", "ConfigMap")
EVENT = GroupKind("", "Event")
# Kinds whose objects are usually created by a managed object, not by Git.
CHILD_KINDS = (GroupKind("apps", "ReplicaSet"), GroupKind("", "Pod"), GroupKind("batch", "Job"))
CLUSTER_FIELDS = ("name", "server", "project", "namespaces", "clusterResources")


def cluster_secret_view(secret: KubeObject) -> KubeObject:
    """A cluster Secret without its ``config`` (credentials): only what may be shown."""
    slimmed = slim(secret)
    data = slimmed.get("data") or {}
    return {**slimmed, "data": {k: v for k, v in data.items() if k in CLUSTER_FIELDS}}


def masked(obj: KubeObject) -> KubeObject:
    return mask_secret(slim(obj)) or {}


def event_subjects(event: KubeObject) -> list[str]:
    involved = event.get("involvedObject") or {}
    return [str(involved.get("uid") or ""), f"{involved.get('kind')}/{involved.get('name')}"]


class Caches:
    def __init__(self, cluster: KubeCluster, namespace: str) -> None:
        def cache(kind: GroupKind, **kwargs: Any) -> WatchCache:
            label = kwargs.pop("label_selector", "")
            field = kwargs.pop("field_selector", "")
            return WatchCache(cluster, Selection(kind, namespace, label, field), **kwargs)

        self.applications = cache(APPLICATION)
        self.projects = cache(APPPROJECT)
        self.appsets = cache(APPLICATIONSET)
        self.clusters = cache(
            SECRET,
            label_selector=f"{SECRET_TYPE_LABEL}={SECRET_TYPE_CLUSTER}",
            transform=cluster_secret_view,
        )
        # Repository credentials, held only to render target states.
        self.repositories = cache(
            SECRET,
            label_selector=f"{SECRET_TYPE_LABEL} in "
            f"({SECRET_TYPE_REPOSITORY},{SECRET_TYPE_REPO_CREDS})",
        )
        self.config = cache(CONFIGMAP, field_selector=f"metadata.name={CONFIGMAP_NAME}")
        self.rbac = cache(CONFIGMAP, field_selector=f"metadata.name={RBAC_CONFIGMAP}")
        self.secret = cache(SECRET, field_selector=f"metadata.name={SERVER_SECRET}")
        self.events = cache(EVENT, indexer=event_subjects)
        self.live = LiveObjects(cluster)

    @property
    def all(self) -> list[WatchCache]:
        return [
            self.applications,
            self.projects,
            self.appsets,
            self.clusters,
            self.repositories,
            self.config,
            self.rbac,
            self.secret,
            self.events,
        ]

    def start(self) -> None:
        for cache in self.all:
            cache.start()

    def wait_ready(self, timeout: float) -> list[str]:
        """The caches not ready within ``timeout`` (empty when all are)."""
        return [str(c.scope) for c in self.all if not c.wait_ready(timeout)]

    def stop(self) -> None:
        for cache in self.all:
            cache.stop()
        self.live.stop()


class LiveObjects:
    """Managed and owned objects in the local cluster, cached per kind on first use."""

    def __init__(self, cluster: KubeCluster, ready_timeout: float = 10.0) -> None:
        self._cluster = cluster
        self._ready_timeout = ready_timeout
        self._managed: dict[GroupKind, WatchCache] = {}
        self._owned: dict[GroupKind, WatchCache] = {}
        self._lock = threading.Lock()

    def managed(self, kind: GroupKind) -> WatchCache:
        """Objects of ``kind`` carrying the tracking label (Secrets masked)."""
        return self._get(self._managed, kind, label=TRACKING_LABEL)

    def owned(self) -> list[WatchCache]:
        return [self._get(self._owned, kind, label="") for kind in CHILD_KINDS]

    def _get(self, table: dict[GroupKind, WatchCache], kind: GroupKind, label: str) -> WatchCache:
        with self._lock:
            cache = table.get(kind)
            created = cache is None
            if cache is None:
                cache = WatchCache(
                    self._cluster,
                    Selection(kind, "", label),
                    indexer=None if label else owner_uids,
                    transform=masked,
                )
                table[kind] = cache
                cache.start()
        if created:  # the first request waits for the first list; later ones never block
            cache.wait_ready(self._ready_timeout)
        return cache

    def children_of(self, uid: str) -> Iterable[KubeObject]:
        for cache in self.owned():
            yield from cache.by_index(uid)

    def stop(self) -> None:
        with self._lock:
            for cache in [*self._managed.values(), *self._owned.values()]:
                cache.stop()
