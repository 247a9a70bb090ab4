"""The controller's work loop: take an Application key off the queue, reconcile it, write
what the reconciler decided (status, operation, finalizers, events), and schedule the next
look. Handlers only enqueue; all work happens here, in worker threads.

Only Applications in the controller's scope (its own namespace and the ones
``application.namespaces`` enables) are queued or processed; any other key is dropped
without being read, so nothing is ever written to an Application outside the scope.

With sharding, only the Applications this replica owns are queued and processed, and
every write of a pass (the reconciler's, through ``FencedCluster``, and the ones below)
is checked against ownership right before it is sent (:mod:`gitopsd.sharding.gate`). A
pass during which a write was refused records nothing. ``status.controller`` names the
replica that wrote the status, and that write is conditional on the previous value, so
a replica that lost the Application meanwhile cannot overwrite its new owner's status.
When ownership changes, Applications gained are queued (those whose objects changed
lately first, the rest in the background) and what was held for Applications lost is
dropped: queue entries, dry-run predictions, reconciler state, metrics.

What a pass decided is written by :mod:`gitopsd.operator.app_writes`, in the order that
keeps a crash or a refused write from losing or repeating work. A failed pass or write
backs off (:mod:`gitopsd.operator.backoff`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

from gitopsd.cluster import KubeCluster
from gitopsd.errors import ClusterError, GitopsdError
from gitopsd.metrics import AppState, Metrics
from gitopsd.model.annotations import (
    REFRESH,
    TERMINATE_OPERATION_ANNOTATION,
    annotation,
)
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.operator.app_writes import (
    APPLICATION,
    ApplicationWriter,
    Written,
)
from gitopsd.operator.audit import EventSink
from gitopsd.operator.backoff import FailureBackoff, FailureCounts
from gitopsd.operator.known import KnownApplications, key_of
from gitopsd.operator.queue import AppKey, WorkQueue, start_workers
from gitopsd.operator.watcher import ManagedObjectWatcher
from gitopsd.ports import Clock
from gitopsd.project import ApplicationNamespaces
from gitopsd.sharding import (
    FencedCluster,
    Ownership,
    Turn,
    Unsharded,
    WriteGate,
    application_key,
)
from gitopsd.spec import parse_application_spec
from gitopsd.sync.reconciler import Reconciler, ReconcileResult

log = logging.getLogger(__name__)


# An Application this replica owns while its Lease is late: look again this soon.
LEASE_WAIT_SECONDS = 1.0
# Applications taken over in one go: first look after this long, in the background.
TAKEOVER_DELAY_SECONDS = 0.2


class Controller:
    def __init__(
        self,
        local: KubeCluster,
        reconciler: Reconciler,
        *,
        clock: Clock,
        metrics: Metrics | None,
        interval_seconds: float,
        jitter: float = 0.2,
        workers: int = 4,
        change_delay_seconds: float = 0.2,
        scope: ApplicationNamespaces | None = None,
        gate: WriteGate | None = None,
    ) -> None:
        self.local = local
        self.scope = scope or reconciler.settings.app_namespaces
        self.reconciler = reconciler
        self.clock = clock
        self.metrics = metrics
        self.interval = interval_seconds
        self.jitter = jitter
        self.workers = workers
        self.change_delay = change_delay_seconds
        self.queue = WorkQueue()
        self.gate = gate or WriteGate(Unsharded())
        # Events are posted from a thread of their own: workers do not wait on them.
        self.events = EventSink(local)
        self.writer = ApplicationWriter(local, self.gate, clock, self.events)
        self.known = KnownApplications()
        self.watchers: dict[str, ManagedObjectWatcher] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        # Objects of each owned Application (by destination server), for dropping their
        # dry-run predictions when another replica takes the Application over.
        self._inventory: dict[AppKey, tuple[str, tuple[ResourceKey, ...]]] = {}
        self.failures = FailureCounts()

    def backoff(self) -> FailureBackoff:
        """Failed passes back off from a few seconds up to the reconcile interval."""
        return FailureBackoff(max_seconds=max(self.interval, 3.0))

    # --- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        self._threads += start_workers(
            self.queue, self.process, "Application", count=self.workers, name="worker"
        )

    def stop(self) -> None:
        self.queue.close()
        self.events.flush(timeout=5.0)
        self.events.stop()
        for watcher in self.watchers.values():
            watcher.stop()

    def watcher_for(self, server: str, cluster: KubeCluster) -> ManagedObjectWatcher:
        with self._lock:
            watcher = self.watchers.get(server)
            if watcher is None:
                watcher = ManagedObjectWatcher(cluster, self._on_managed_change, server=server)
                self.watchers[server] = watcher
            return watcher

    def set_scope(self, scope: ApplicationNamespaces) -> None:
        """Change where Applications are taken from; keys now outside it are dropped."""
        self.scope = scope
        gone = [key for key in self.known.listed() if not scope.includes(key[0])]
        for key in gone:
            self.known.forget(key)
            self._forget(key)

    # --- ownership ------------------------------------------------------------------
    def owns(self, key: AppKey) -> bool:
        return self.gate.shard.owns(application_key(*key))

    def assigned(self, key: AppKey) -> bool:
        return self.gate.shard.assigned(application_key(*key))

    def on_ownership(self, before: Ownership, after: Ownership) -> tuple[int, int]:
        """The membership changed what this replica owns: queue what it gained (objects
        changed lately first), drop what it lost. Returns how many of each."""
        gained, lost = [], []
        for key in self.known.listed():
            shard_key = application_key(*key)
            was, will = before.assigns(shard_key), after.assigns(shard_key)
            if will and not was:
                gained.append(key)
            elif was and not will:
                lost.append(key)
        for key in lost:
            self._drop(key)
        now = time.monotonic()
        for key in gained:
            if self.known.touched(key, now):
                # Someone changed its objects while another replica owned it: urgent, as
                # the watch event would have been to its owner.
                self.queue.add(key, urgent=True)
            else:
                self.queue.add(key, TAKEOVER_DELAY_SECONDS, background=True)
        if gained or lost:
            log.info(
                "sharding: %d Application(s) taken over, %d handed over",
                len(gained),
                len(lost),
            )
        return len(gained), len(lost)

    def _drop(self, key: AppKey) -> None:
        """Another replica owns ``key`` now: keep nothing of it but what ``known`` holds."""
        self._forget(key)
        with self._lock:
            inventory = self._inventory.pop(key, None)
        if inventory is not None:
            server, objects = inventory
            memo = self.reconciler.env.memo_for(server)
            for obj in objects:
                memo.forget(obj)

    # --- inputs ---------------------------------------------------------------------
    def enqueue(
        self,
        namespace: str,
        name: str,
        delay: float = 0.0,
        *,
        urgent: bool = False,
        background: bool = False,
    ) -> None:
        key = (namespace, name)
        if self.scope.includes(namespace) and self.assigned(key):
            self.queue.add(key, delay, urgent=urgent, background=background)

    def on_application_event(self, event_type: str, app: dict[str, Any]) -> bool:
        """Queue an owned Application whose intent changed (returns whether it did, for
        any Application). Status writes, ours and other replicas', come back as events
        too; they change nothing the reconciler reads, so they are not queued."""
        key = key_of(app)
        if not self.scope.includes(key[0]):
            return False
        if event_type == "DELETED":
            self.known.forget(key)
            self._drop(key)
            return True
        changed = self.known.observe(app)
        if changed and self.assigned(key):
            self.queue.add(key, urgent=True)  # someone changed what it asks for
        return changed

    def _on_managed_change(self, label: str, event_type: str, what: str) -> None:
        key = self.known.by_label(label)
        if key is None or not self.scope.includes(key[0]):
            return
        if not self.assigned(key):
            self.known.touch(key, time.monotonic())  # another replica's: remember it
            return
        log.debug("managed %s %s changed: requeue %s/%s", event_type, what, *key)
        # A change to what it manages (a manual edit, a status update): before the routine
        # refreshes that may be waiting in the queue.
        self.queue.add(key, self.change_delay, urgent=True)

    # --- work -----------------------------------------------------------------------
    def process(self, key: AppKey) -> float | None:
        """Reconcile one Application; returns when to look again (None: it is gone)."""
        if not self.scope.includes(key[0]):  # outside the scope: not even read
            self._forget(key)
            return None
        if not self.assigned(key):  # another replica's: not even read
            self._forget(key)
            return None
        if not self.owns(key):  # ours, but our Lease is late: wait, do nothing
            return LEASE_WAIT_SECONDS
        with self.gate.turn(application_key(*key)) as turn:
            delay = self._process(key, turn)
            if turn.refused:
                log.info(
                    "Application %s/%s: ownership changed during the pass; nothing recorded",
                    *key,
                )
                return LEASE_WAIT_SECONDS if self.assigned(key) else None
            return delay

    def _process(self, key: AppKey, turn: Turn) -> float | None:
        namespace, name = key
        try:
            app = self.local.get(ResourceKey(APPLICATION.group, APPLICATION.kind, namespace, name))
        except ClusterError as error:  # e.g. the API server restarting: no traceback
            log.warning("Application %s/%s: reading it failed: %s", namespace, name, error)
            return self.backoff().delay(self.failures.failed(key))
        if app is None:
            self._forget(key)
            return None
        # A refresh annotation only needs a pass, which this is; "hard" additionally
        # bypasses nothing more because renders are keyed by commit SHA already.
        refresh = annotation(app, REFRESH) or (
            (app["metadata"].get("annotations") or {}).get(TERMINATE_OPERATION_ANNOTATION)
        )
        started = time.monotonic()
        try:
            result = self.reconciler.reconcile(app)
        except Exception:  # a bug must not kill the worker, nor retry at a fixed pace
            log.exception("Application %s/%s: reconcile failed", namespace, name)
            return self.backoff().delay(self.failures.failed(key))
        elapsed = time.monotonic() - started
        if turn.spoiled():  # a write of the pass was refused: record nothing of it
            return None
        self.known.remember_label(key)
        self._remember_inventory(key, app, result)
        written = self._write(app, result)
        if turn.spoiled():
            return None
        if refresh and written.recorded:
            self.writer.clear_refresh(app)
        self._watch_kinds(app, result)
        self._report(app, result, elapsed)
        if result.failed or not written.recorded:
            return self.backoff().delay(self.failures.failed(key))
        self.failures.succeeded(key)
        if written.retry_after is not None:
            return written.retry_after
        if result.requeue_after is not None:
            return result.requeue_after
        return self.interval * (1 + random.random() * self.jitter)

    def _remember_inventory(
        self, key: AppKey, app: dict[str, Any], result: ReconcileResult
    ) -> None:
        if not self.gate.sharded:
            return  # nothing is ever handed over
        objects = tuple(ResourceKey.of_entry(e) for e in result.status.get("resources") or [])
        try:
            _, server = self.reconciler.env.cluster_for(
                parse_application_spec(app.get("spec") or {}).destination
            )
        except GitopsdError:
            return  # no destination: nothing was compared, so nothing is in the memo
        with self._lock:
            self._inventory[key] = (server, objects)

    def _forget(self, key: AppKey) -> None:
        self.queue.forget(key)
        self.failures.forget(key)
        self.reconciler.forget(*key)
        if self.metrics is not None:
            self.metrics.forget_app(*key)

    def _write(self, app: dict[str, Any], result: ReconcileResult) -> Written:
        return self.writer.write(app, result)

    def _watch_kinds(self, app: dict[str, Any], result: ReconcileResult) -> None:
        try:
            spec = parse_application_spec(app.get("spec") or {})
            cluster, server = self.reconciler.env.cluster_for(spec.destination)
        except GitopsdError:
            return
        if isinstance(cluster, FencedCluster):
            cluster = cluster.cluster
        if not isinstance(cluster, KubeCluster):
            return
        watcher = self.watcher_for(server, cluster)
        for entry in result.status.get("resources") or []:
            group_kind = GroupKind(str(entry.get("group") or ""), str(entry.get("kind")))
            watcher.ensure(group_kind, str(entry.get("namespace") or ""))

    def _report(self, app: dict[str, Any], result: ReconcileResult, elapsed: float) -> None:
        """Metrics from the facts the reconciler returned (it parsed the spec once)."""
        facts = result.facts
        if self.metrics is None or facts is None:
            return
        meta, status = app["metadata"], result.status
        server = facts.destination
        self.metrics.observe_reconcile(meta["namespace"], server, elapsed)
        self.metrics.set_app(
            AppState(
                namespace=meta["namespace"],
                name=meta["name"],
                project=facts.project,
                repo=facts.repo,
                dest_server=server,
                dest_namespace=facts.destination_namespace,
                sync_status=str((status.get("sync") or {}).get("status") or "Unknown"),
                health_status=str((status.get("health") or {}).get("status") or "Unknown"),
                autosync_enabled=facts.automated,
            )
        )
        if result.synced and result.sync_phase:
            dry_run = bool(
                (
                    ((status.get("operationState") or {}).get("operation") or {}).get("sync") or {}
                ).get("dryRun")
            )
            self.metrics.record_sync(
                meta["namespace"],
                meta["name"],
                facts.project,
                result.sync_phase,
                dest_server=server,
                dry_run=dry_run,
            )
        if facts.orphans is not None:
            self.metrics.set_orphaned_resources(
                meta["namespace"], meta["name"], facts.project, facts.orphans
            )
        for event in result.events:
            if event.reason == "SelfHeal":
                self.metrics.count_drift(meta["namespace"], meta["name"], "Application")
