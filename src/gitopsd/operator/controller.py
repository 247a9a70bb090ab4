"""The controller's work loop: take an Application key off the queue, reconcile it, write
what the reconciler decided (status, operation, finalizers, events), and schedule the next
look. Handlers only enqueue; all work happens here, in worker threads.

Only Applications in the controller's scope (its own namespace and the ones
``application.namespaces`` enables) are queued or processed; any other key is dropped
without being read, so nothing is ever written to an Application outside the scope.

Write order matters for crash and fault safety: the status is written first, replacing
the old one whole; a consumed ``operation`` request is cleared only once that write
succeeded (and only if the request is still the one consumed), and events are recorded
only for a pass whose status was recorded. A failed pass or write backs off
(:mod:`gitopsd.operator.backoff`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gitopsd.cluster import KubeCluster
from gitopsd.errors import ClusterError, Conflict, GitopsdError, Invalid, NotFound
from gitopsd.metrics import AppState, Metrics
from gitopsd.model.annotations import (
    ARGOCD_PREFIX,
    GITOPSD_PREFIX,
    REFRESH,
    TERMINATE_OPERATION_ANNOTATION,
    annotation,
)
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.operator.audit import EventSink, record
from gitopsd.operator.backoff import FailureBackoff, FailureCounts
from gitopsd.operator.queue import AppKey, WorkQueue, run_worker
from gitopsd.operator.watcher import ManagedObjectWatcher
from gitopsd.ports import Clock
from gitopsd.project import ApplicationNamespaces
from gitopsd.spec import parse_application_spec
from gitopsd.sync.reconciler import Reconciler, ReconcileResult

log = logging.getLogger(__name__)

APPLICATION = GroupKind("gitopsd.io", "Application")
# Timestamps change every pass; a status that differs only in them is written at most
# once per this many seconds (reconciledAt stays roughly current without a write per pass).
STATUS_HEARTBEAT_SECONDS = 300.0
# After a finalizer patch lost a race with another writer: look again soon.
CONFLICT_RETRY_SECONDS = 1.0


def _intent(app: dict[str, Any]) -> tuple[Any, ...]:
    """What in an Application asks for a pass: everything but status and bookkeeping.
    For custom resources the generation moves with spec and ``operation``; annotations,
    labels, finalizers and deletion are metadata and are compared as they are."""
    meta = app.get("metadata") or {}
    return (
        meta.get("generation"),
        repr(sorted((meta.get("annotations") or {}).items())),
        tuple(meta.get("finalizers") or ()),
        meta.get("deletionTimestamp"),
    )


@dataclass(frozen=True)
class _Written:
    recorded: bool  # the status is what the pass computed (or needed no write)
    retry_after: float | None = None  # a write lost a race: look again this soon


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
        # Set when leader election is on: only the leader processes keys.
        self.leading: Callable[[], bool] | None = None
        self.watchers: dict[str, ManagedObjectWatcher] = {}
        self._tracking: dict[str, AppKey] = {}  # tracking label value -> app
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._written_at: dict[AppKey, float] = {}
        # Events are posted from a thread of their own: workers do not wait on them.
        self.events = EventSink(local)
        self._intents: dict[AppKey, tuple[Any, ...]] = {}
        self.failures = FailureCounts()

    def backoff(self) -> FailureBackoff:
        """Failed passes back off from a few seconds up to the reconcile interval."""
        return FailureBackoff(max_seconds=max(self.interval, 3.0))

    # --- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        for index in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"worker-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

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
        with self._lock:
            gone = [key for key in self._intents if not scope.includes(key[0])]
            for key in gone:
                del self._intents[key]
        for key in gone:
            self._forget(key)

    # --- inputs ---------------------------------------------------------------------
    def enqueue(
        self, namespace: str, name: str, delay: float = 0.0, *, urgent: bool = False
    ) -> None:
        if self.scope.includes(namespace):
            self.queue.add((namespace, name), delay, urgent=urgent)

    def on_application_event(self, event_type: str, app: dict[str, Any]) -> bool:
        """Queue an Application whose intent changed (returns whether it did). Our own
        status writes come back as events too; they change nothing the reconciler reads,
        so they are not queued."""
        meta = app.get("metadata") or {}
        key = (str(meta.get("namespace")), str(meta.get("name")))
        if not self.scope.includes(key[0]):
            return False
        if event_type == "DELETED":
            with self._lock:
                self._intents.pop(key, None)
            self._forget(key)
            return True
        intent = _intent(app)
        with self._lock:
            unchanged = self._intents.get(key) == intent
            self._intents[key] = intent
        if not unchanged:
            self.queue.add(key, urgent=True)  # someone changed what it asks for
        return not unchanged

    def _on_managed_change(self, label: str, event_type: str, obj: dict[str, Any]) -> None:
        with self._lock:
            key = self._tracking.get(label)
        if key is not None and self.scope.includes(key[0]):
            log.debug("managed %s %s changed: requeue %s/%s", event_type, ResourceKey.of(obj), *key)
            # A change to what it manages (a manual edit, a status update): before the
            # routine refreshes that may be waiting in the queue.
            self.queue.add(key, self.change_delay, urgent=True)

    # --- work -----------------------------------------------------------------------
    def _work(self) -> None:
        run_worker(self.queue, self.process, "Application", self.leading)

    def process(self, key: AppKey) -> float | None:
        """Reconcile one Application; returns when to look again (None: it is gone)."""
        namespace, name = key
        if not self.scope.includes(namespace):  # outside the scope: not even read
            self._forget(key)
            return None
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
        self._remember_tracking(app)
        written = self._write(app, result)
        if refresh and written.recorded:
            self._clear_refresh(app)
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

    def _remember_tracking(self, app: dict[str, Any]) -> None:
        from gitopsd.desired import tracking_label_value

        meta = app["metadata"]
        with self._lock:
            self._tracking[tracking_label_value(meta["namespace"], meta["name"])] = (
                meta["namespace"],
                meta["name"],
            )

    def _forget(self, key: AppKey) -> None:
        self.queue.forget(key)
        self.failures.forget(key)
        self.reconciler.forget(*key)
        if self.metrics is not None:
            self.metrics.forget_app(*key)

    def _write(self, app: dict[str, Any], result: ReconcileResult) -> _Written:
        """Record what the pass decided, in the order that keeps a crash or a refused write
        from losing or repeating work (see the module docstring)."""
        meta = app["metadata"]
        key = ResourceKey(APPLICATION.group, APPLICATION.kind, meta["namespace"], meta["name"])
        recorded = self._write_status(key, app.get("status") or {}, result.status)
        if result.clear_operation and recorded and app.get("operation") is not None:
            self._clear_operation(key, app["operation"])
        retry_after = None
        if result.remove_finalizers:
            retry_after = self._remove_finalizers(key, meta, result.remove_finalizers)
        if result.events and recorded:
            app = {**app, "status": result.status}
            record(self.events, app, result.events, self.clock.now())
        return _Written(recorded=recorded, retry_after=retry_after)

    def _write_status(
        self, key: ResourceKey, previous: dict[str, Any], status: dict[str, Any]
    ) -> bool:
        """Replace the status when it changed; False when the API server refused it."""
        app_key = (key.namespace, key.name)
        if not self._status_changed(previous, status, app_key):
            return True
        try:
            self.local.replace_status(key, status)
        except NotFound:
            return True  # deleted meanwhile: nothing left to record
        except ClusterError as error:
            log.warning("%s: status update failed, will retry: %s", key, error)
            return False
        self._written_at[app_key] = time.monotonic()
        return True

    def _clear_operation(self, key: ResourceKey, consumed: dict[str, Any]) -> None:
        """Remove ``operation`` only if it is still the request this pass consumed: a new
        request written meanwhile must survive (the server refuses the patch then)."""
        try:
            self.local.json_patch(
                key,
                [
                    {"op": "test", "path": "/operation", "value": consumed},
                    {"op": "remove", "path": "/operation"},
                ],
            )
        except (Invalid, NotFound):
            log.info("%s: operation changed since it was read; left for the next pass", key)
        except ClusterError as error:
            log.warning("%s: clearing the consumed operation failed: %s", key, error)

    def _remove_finalizers(
        self, key: ResourceKey, meta: dict[str, Any], done: tuple[str, ...]
    ) -> float | None:
        """Drop finalizers whose work is done; a lost race (409) is retried soon."""
        kept = [f for f in meta.get("finalizers") or [] if f not in done]
        patch = {"metadata": {"finalizers": kept, "resourceVersion": meta["resourceVersion"]}}
        try:
            self.local.merge_patch(key, patch)
        except NotFound:
            return None
        except Conflict:
            log.info("%s: changed while its finalizer was being removed; retrying", key)
            return CONFLICT_RETRY_SECONDS
        return None

    def _status_changed(
        self, previous: dict[str, Any], status: dict[str, Any], key: AppKey
    ) -> bool:
        volatile = ("reconciledAt", "observedAt")
        before = {k: v for k, v in previous.items() if k not in volatile}
        after = {k: v for k, v in status.items() if k not in volatile}
        now = time.monotonic()
        return before != after or now - self._written_at.get(key, 0.0) > STATUS_HEARTBEAT_SECONDS

    def _clear_refresh(self, app: dict[str, Any]) -> None:
        meta = app["metadata"]
        key = ResourceKey(APPLICATION.group, APPLICATION.kind, meta["namespace"], meta["name"])
        annotations: dict[str, None] = {
            f"{prefix}{REFRESH}": None for prefix in (GITOPSD_PREFIX, ARGOCD_PREFIX)
        }
        annotations[TERMINATE_OPERATION_ANNOTATION] = None
        try:
            self.local.merge_patch(key, {"metadata": {"annotations": annotations}})
        except ClusterError as error:
            log.warning("%s: clearing the refresh annotation failed: %s", key, error)

    def _watch_kinds(self, app: dict[str, Any], result: ReconcileResult) -> None:
        try:
            spec = parse_application_spec(app.get("spec") or {})
            cluster, server = self.reconciler.env.cluster_for(spec.destination)
        except GitopsdError:
            return
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
