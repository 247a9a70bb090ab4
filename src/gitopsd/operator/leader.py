"""Leader election on a ``coordination.k8s.io`` Lease, for more than one replica.

Only the leader reconciles; the others keep their caches, watches, metrics and webhook
endpoints warm and take over when the leader's lease expires. The lease is taken and
renewed with optimistic concurrency (PUT with resourceVersion), as client-go's
leaderelection does, so two replicas can never both believe they lead.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from gitopsd.cluster import KubeCluster
from gitopsd.errors import ClusterError, Conflict
from gitopsd.model.keys import ResourceKey
from gitopsd.ports import Clock

log = logging.getLogger(__name__)

LEASE_NAME = "gitopsd-controller"
MICROTIME = "%Y-%m-%dT%H:%M:%S.%fZ"


class LeaderElector:
    def __init__(
        self,
        cluster: KubeCluster,
        namespace: str,
        identity: str,
        *,
        clock: Clock,
        lease_seconds: int = 15,
        renew_seconds: float = 5.0,
        name: str = LEASE_NAME,
    ) -> None:
        self.cluster = cluster
        self.key = ResourceKey("coordination.k8s.io", "Lease", namespace, name)
        self.identity = identity
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.renew_seconds = renew_seconds
        self._leading = threading.Event()
        self._stop = threading.Event()

    def is_leader(self) -> bool:
        return self._leading.is_set()

    def start(self) -> None:
        threading.Thread(target=self._run, name="leader-election", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self._leading.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                leading = self.try_acquire_or_renew()
            except ClusterError as error:
                log.warning("leader election: %s", error)
                leading = False
            if leading and not self._leading.is_set():
                log.info("leader election: %s is the leader", self.identity)
            if not leading and self._leading.is_set():
                log.warning("leader election: %s lost the lease", self.identity)
            if leading:
                self._leading.set()
            else:
                self._leading.clear()
            self._stop.wait(self.renew_seconds)

    def try_acquire_or_renew(self) -> bool:
        now = self.clock.now()
        lease = self.cluster.get(self.key)
        if lease is None:
            try:
                self.cluster.create(self._lease(now, now, transitions=0))
            except Conflict:
                return False  # someone else created it first
            return True
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity")
        if holder != self.identity and not _expired(spec, now):
            return False
        acquired = now if holder != self.identity else _time(spec.get("acquireTime")) or now
        transitions = int(spec.get("leaseTransitions") or 0) + (holder != self.identity)
        body = self._lease(acquired, now, transitions=transitions)
        body["metadata"]["resourceVersion"] = lease["metadata"]["resourceVersion"]
        try:
            self.cluster.replace(body)
        except Conflict:
            return False
        return True

    def _lease(
        self, acquired: dt.datetime, renewed: dt.datetime, *, transitions: int
    ) -> dict[str, Any]:
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.key.name, "namespace": self.key.namespace},
            "spec": {
                "holderIdentity": self.identity,
                "leaseDurationSeconds": self.lease_seconds,
                "acquireTime": acquired.strftime(MICROTIME),
                "renewTime": renewed.strftime(MICROTIME),
                "leaseTransitions": transitions,
            },
        }


def _time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _expired(spec: dict[str, Any], now: dt.datetime) -> bool:
    renewed = _time(spec.get("renewTime"))
    if renewed is None:
        return True
    duration = float(spec.get("leaseDurationSeconds") or 15)
    return (now - renewed).total_seconds() > duration
