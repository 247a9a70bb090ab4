"""Watches on the objects gitopsd manages, so a manual edit or delete re-queues its
Application within seconds.

One thread per (cluster, kind) lists and then watches objects carrying the tracking label
(server-side label selector, so unrelated objects never reach us), and reports the
label's value on every change. Kinds are added as applications start to manage them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from gitopsd.cluster import KubeCluster
from gitopsd.errors import ClusterError
from gitopsd.model.annotations import TRACKING_LABEL
from gitopsd.model.keys import GroupKind

log = logging.getLogger(__name__)

OnChange = Callable[[str, str, dict[str, Any]], None]  # (label value, event type, object)


class ManagedObjectWatcher:
    def __init__(self, cluster: KubeCluster, on_change: OnChange, *, server: str) -> None:
        self.cluster = cluster
        self.server = server
        self._on_change = on_change
        self._kinds: set[GroupKind] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.connected = True

    def ensure(self, group_kind: GroupKind) -> None:
        with self._lock:
            if group_kind in self._kinds or self._stop.is_set():
                return
            self._kinds.add(group_kind)
        thread = threading.Thread(
            target=self._run, args=(group_kind,), name=f"watch-{group_kind}", daemon=True
        )
        thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self, group_kind: GroupKind) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                _, version = self.cluster.list_with_version(
                    group_kind, label_selector=TRACKING_LABEL
                )
                self.connected = True
                delay = 0.5
                self._stream(group_kind, version)
            except ClusterError as error:
                self.connected = error.status != 0
                log.debug("watch %s on %s: %s; restarting", group_kind, self.server, error)
                self._stop.wait(delay)
                delay = min(delay * 2, 30.0)

    def _stream(self, group_kind: GroupKind, version: str) -> None:
        while not self._stop.is_set():
            for event_type, obj in self.cluster.watch(
                group_kind, resource_version=version, label_selector=TRACKING_LABEL
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
                    self._on_change(str(label), event_type, obj)
