"""What the benchmark sees from outside both controllers, through watches (one LIST, then
events), so that observing costs the control plane the same small amount on both sides.

- :class:`FirstReady`: the moment each unit (an Application, a Kustomization) was first
  seen ready by a given test, e.g. "Synced and Healthy" or "Ready at its current
  generation". Flux's Kustomizations drop to Ready=Unknown while they reconcile, so
  "all ready" is the latest of these first moments, for both sides alike.
- :class:`Deployments` and :func:`heal_times`: edit-to-healed. A Deployment is scaled to
  3 replicas through its ``scale`` subresource (as ``kubectl scale`` does) and is healed
  when an event shows it back at the replicas Git asks for, newer than the edit.

Called by ``bench_flux.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from gitopsd.cluster import KubeCluster, Selection
from gitopsd.cluster.cache import WatchCache
from gitopsd.model.keys import GroupKind

Predicate = Callable[[dict[str, Any]], bool]
DEPLOYMENT = GroupKind("apps", "Deployment")


def condition_true(obj: dict[str, Any], condition_type: str) -> bool:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == condition_type and condition.get("status") == "True":
            return True
    return False


def flux_ready(obj: dict[str, Any]) -> bool:
    """Ready=True for the current spec: observedGeneration has caught up."""
    generation = (obj.get("metadata") or {}).get("generation")
    observed = (obj.get("status") or {}).get("observedGeneration")
    return observed == generation and condition_true(obj, "Ready")


def gitopsd_ready(obj: dict[str, Any]) -> bool:
    status = obj.get("status") or {}
    return (status.get("sync") or {}).get("status") == "Synced" and (
        status.get("health") or {}
    ).get("status") == "Healthy"


class FirstReady:
    """First moment (``time.monotonic()``) each object of a kind passed ``ready``."""

    def __init__(
        self, cluster: KubeCluster, group_kind: GroupKind, namespace: str, ready: Predicate
    ) -> None:
        self.ready = ready
        self.first: dict[str, float] = {}
        self.ready_now: set[str] = set()
        self.seen: set[str] = set()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.cache = WatchCache(cluster, Selection(group_kind, namespace))
        self.cache.subscribe(self._on_event)

    def start(self) -> FirstReady:
        self.cache.start()
        return self

    def stop(self) -> None:
        self.cache.stop()

    def _on_event(self, event_type: str, obj: dict[str, Any]) -> None:
        name = str(obj["metadata"]["name"])
        now = time.monotonic()
        with self._changed:
            self.seen.add(name)
            if event_type != "DELETED" and self.ready(obj):
                self.first.setdefault(name, now)
                self.ready_now.add(name)
            else:
                self.ready_now.discard(name)
            self._changed.notify_all()

    def wait(self, count: int, timeout: float, progress: Callable[[int, int], None]) -> bool:
        """Block until ``count`` objects have been ready once; ``progress(first, now)``
        is called every 10 s. False on timeout."""
        deadline = time.monotonic() + timeout
        next_report = time.monotonic() + 10
        with self._changed:
            while len(self.first) < count:
                now = time.monotonic()
                if now >= deadline:
                    return False
                if now >= next_report:
                    next_report = now + 10
                    progress(len(self.first), len(self.ready_now))
                self._changed.wait(min(deadline, next_report) - now)
        return True

    def spread(self, started: float) -> dict[str, float]:
        """Seconds after ``started`` by which 10 %, 50 %, 90 % and all had been ready."""
        with self._lock:
            times = sorted(t - started for t in self.first.values())
        if not times:
            return {}
        pick = {"p10": 0.1, "p50": 0.5, "p90": 0.9}
        spread = {k: round(times[max(0, int(q * len(times)) - 1)], 1) for k, q in pick.items()}
        spread["all"] = round(times[-1], 1)
        return spread

    def all_ready_after(self, started: float) -> float:
        with self._lock:
            return max(self.first.values()) - started if self.first else float("nan")


class Deployments:
    """Every Deployment in the cluster, watched; tells when an edited one is healed."""

    def __init__(self, cluster: KubeCluster) -> None:
        self.cluster = cluster
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        # (namespace, name) -> (resourceVersion of the edit, replicas wanted, healed at)
        self._edits: dict[tuple[str, str], tuple[int, int, float | None]] = {}
        self.cache = WatchCache(cluster, Selection(DEPLOYMENT))
        self.cache.subscribe(self._on_event)

    def start(self, timeout: float = 60.0) -> Deployments:
        self.cache.start()
        if not self.cache.wait_ready(timeout):
            raise TimeoutError("the Deployment watch did not list within 60 s")
        return self

    def stop(self) -> None:
        self.cache.stop()

    def scale(self, namespace: str, name: str, replicas: int, wanted: int) -> float:
        """Scale through the scale subresource; returns when the edit was accepted."""
        path = f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"
        answer = self.cluster.request(
            "PATCH",
            path,
            query={"fieldManager": "bench-kubectl-scale"},
            body={"spec": {"replicas": replicas}},
            content_type="application/merge-patch+json",
            what=f"scale {namespace}/{name}",
        )
        edited_at = time.monotonic()
        version = int(answer["metadata"]["resourceVersion"])
        with self._changed:
            self._edits[(namespace, name)] = (version, wanted, None)
        return edited_at

    def _on_event(self, event_type: str, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        key = (str(meta.get("namespace")), str(meta.get("name")))
        now = time.monotonic()
        with self._changed:
            edit = self._edits.get(key)
            if edit is None or edit[2] is not None or event_type == "DELETED":
                return
            version, wanted, _ = edit
            newer = int(meta.get("resourceVersion") or 0) > version
            if newer and (obj.get("spec") or {}).get("replicas") == wanted:
                self._edits[key] = (version, wanted, now)
                self._changed.notify_all()

    def healed_at(self, key: tuple[str, str], timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                edit = self._edits.get(key)
                if edit is not None and edit[2] is not None:
                    return edit[2]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)


def heal_times(
    deployments: Deployments,
    targets: list[tuple[str, str]],
    *,
    together: bool,
    timeout: float,
) -> list[float | None]:
    """Seconds from each edit to its heal (None: not healed within ``timeout``). With
    ``together`` every target is edited at once (for Flux, which heals only on its
    interval, one at a time would take an interval per sample); otherwise one by one."""
    if together:
        edited = [deployments.scale(ns, name, 3, 1) for ns, name in targets]
        healed = [deployments.healed_at(key, timeout) for key in targets]
        return [None if h is None else h - e for e, h in zip(edited, healed, strict=True)]
    results: list[float | None] = []
    for key in targets:
        edited_at = deployments.scale(*key, 3, 1)
        healed_at = deployments.healed_at(key, timeout)
        results.append(None if healed_at is None else healed_at - edited_at)
    return results
