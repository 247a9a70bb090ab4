"""The ApplicationSet work loop: take an ApplicationSet key off its queue, plan with the
pure core (:func:`gitopsd.appset.reconcile`), apply the plan to the Applications it owns,
and write ``status.conditions`` and ``status.resources``.

Handlers call :meth:`AppSetController.on_event` for every ApplicationSet event; the
runtime constructs, starts and stops the loop and calls :meth:`requeue_all` when cluster
Secrets change. Every ApplicationSet is also looked at again each reconcile interval, which
is what notices new commits and repairs hand-deleted Applications.

With sharding, ApplicationSets are spread over the replicas as Applications are: a
replica queues and processes only the ones it owns, and every write of a pass is checked
against ownership right before it is sent (:mod:`gitopsd.sharding.gate`).

Safety comes from the core: a failed generation plans no actions at all, so nothing here
ever deletes on an error. For an ApplicationSet that an Application's sync wrote (it
carries that Application's tracking-id), this loop reads the Application and its
AppProject on every pass and hands them to the core, which keeps every generated
Application in that project (:mod:`gitopsd.appset.guard`); if either cannot be read,
nothing is generated. Deleting an ApplicationSet needs no code: Kubernetes garbage
collection removes the Applications through their ownerReferences, and each Application
keeps or removes its resources according to its own finalizer.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gitopsd.appset import (
    ActionVerb,
    AppSetAction,
    AppSetCondition,
    AppSetPlan,
    ClusterInfo,
    ParentProject,
    PolicyOptions,
    RepoFiles,
    parse_appset,
    reconcile,
    refused,
    rendered_by,
)
from gitopsd.cluster import KubeCluster
from gitopsd.errors import ClusterError, Conflict, Fenced, GitopsdError, SpecError
from gitopsd.model.annotations import GROUP
from gitopsd.model.finalizers import is_resources_finalizer
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.model.times import format_time
from gitopsd.operator.appset_status import apply_failed_conditions, appset_status, is_owned_by
from gitopsd.operator.clusters import ClusterRegistry
from gitopsd.operator.queue import AppKey, WorkQueue, start_workers
from gitopsd.ports import Clock
from gitopsd.project import find_project, parse_project
from gitopsd.sharding import Ownership, Unsharded, WriteGate, appset_key

log = logging.getLogger(__name__)

APPLICATIONSET = GroupKind(GROUP, "ApplicationSet")
APPLICATION = GroupKind(GROUP, "Application")
APPPROJECT = GroupKind(GROUP, "AppProject")
# A failed generation (Git down, bad template) is retried this soon, at the latest.
ERROR_RETRY_SECONDS = 10.0
# Another writer changed an Application between our read and our write: read again soon.
CONFLICT_RETRY_SECONDS = 1.0
# Events on one ApplicationSet arriving together are handled in one pass.
EVENT_DELAY_SECONDS = 0.1
# An ApplicationSet this replica owns while its Lease is late: look again this soon.
LEASE_WAIT_SECONDS = 1.0


def registered_clusters(registry: ClusterRegistry) -> list[ClusterInfo]:
    """The clusters generator's view of the registry. The implicit local entry is left out:
    the core adds the local cluster itself, and only for an empty selector (as Argo CD
    does); a cluster Secret for ``https://kubernetes.default.svc`` is kept, labels and all."""
    return [
        ClusterInfo(
            name=entry.name,
            server=entry.server,
            labels=dict(entry.labels),
            annotations=dict(entry.annotations),
        )
        for entry in registry.entries()
        if entry is not registry.local
    ]


class AppSetController:
    def __init__(
        self,
        local: KubeCluster,
        *,
        repos: RepoFiles,
        clusters: Callable[[], Sequence[ClusterInfo]],
        clock: Clock,
        interval_seconds: float,
        options: PolicyOptions | None = None,
        workers: int = 2,
        jitter: float = 0.2,
        gate: WriteGate | None = None,
    ) -> None:
        self.local = local
        self.repos = repos
        self.clusters = clusters
        self.clock = clock
        self.interval = interval_seconds
        self.options = options or PolicyOptions()
        self.workers = workers
        self.jitter = jitter
        self.queue = WorkQueue()
        self.gate = gate or WriteGate(Unsharded())
        self._known: set[AppKey] = set()  # every ApplicationSet, owned or not
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    # --- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        self._threads += start_workers(
            self.queue, self.process, "ApplicationSet", count=self.workers, name="appset"
        )

    def stop(self) -> None:
        self.queue.close()

    # --- inputs ---------------------------------------------------------------------
    def on_event(self, event_type: str | None, body: dict[str, Any]) -> None:
        """An ApplicationSet was listed, added, changed or deleted."""
        meta = body.get("metadata") or {}
        key = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        if event_type == "DELETED":
            with self._lock:
                self._known.discard(key)
            self.queue.forget(key)
            return
        with self._lock:
            self._known.add(key)
        if self.assigned(key):
            self.queue.add(key, EVENT_DELAY_SECONDS)

    def enqueue(self, namespace: str, name: str, delay: float = 0.0) -> None:
        if self.assigned((namespace, name)):
            self.queue.add((namespace, name), delay)

    def requeue_all(self) -> None:
        """Look at every known ApplicationSet again (the cluster list changed)."""
        with self._lock:
            known = sorted(self._known)
        for key in known:
            self.enqueue(*key, EVENT_DELAY_SECONDS)

    # --- ownership ------------------------------------------------------------------
    def known(self) -> list[AppKey]:
        with self._lock:
            return sorted(self._known)

    def assigned(self, key: AppKey) -> bool:
        return self.gate.shard.assigned(appset_key(*key))

    def on_ownership(self, before: Ownership, after: Ownership) -> None:
        """Queue the ApplicationSets this replica now owns; drop the ones it lost."""
        with self._lock:
            known = sorted(self._known)
        for key in known:
            was, will = before.assigns(appset_key(*key)), after.assigns(appset_key(*key))
            if will and not was:
                self.queue.add(key, EVENT_DELAY_SECONDS, background=True)
            elif was and not will:
                self.queue.forget(key)

    # --- work -----------------------------------------------------------------------
    def process(self, key: AppKey) -> float | None:
        """One pass over one ApplicationSet; returns when to look again (None: it is gone,
        or another replica's)."""
        if not self.assigned(key):
            self.queue.forget(key)
            return None
        if not self.gate.shard.owns(appset_key(*key)):
            return LEASE_WAIT_SECONDS
        with self.gate.turn(appset_key(*key)) as turn:
            delay = self._process(key)
            if turn.spoiled():
                log.info("ApplicationSet %s/%s: ownership changed during the pass", *key)
                return LEASE_WAIT_SECONDS if self.assigned(key) else None
            return delay

    def _process(self, key: AppKey) -> float | None:
        appset_key = ResourceKey(APPLICATIONSET.group, APPLICATIONSET.kind, *key)
        try:
            appset = self.local.get(appset_key)
            if appset is None or (appset.get("metadata") or {}).get("deletionTimestamp"):
                self._forget(key)
                return None
            owned = self._owned(appset)
        except ClusterError as error:
            log.warning("%s: reading failed: %s", appset_key, error)
            return ERROR_RETRY_SECONDS
        plan = self._plan(appset_key, appset, owned)
        if not plan.ok:
            log.warning("%s", plan.error)
        applied = self._apply(appset, plan, owned)
        conditions = plan.conditions
        if applied.failures:
            conditions = apply_failed_conditions("; ".join(applied.failures))
        self._write_status(appset_key, appset, conditions, applied.current)
        return self._next_look(plan, applied)

    def _plan(
        self, key: ResourceKey, appset: dict[str, Any], owned: list[dict[str, Any]]
    ) -> AppSetPlan:
        try:
            parent = self._parent(appset)
        except (SpecError, ClusterError) as error:
            return refused(f"{key}: {error}; nothing is generated")
        return reconcile(
            appset,
            owned,
            repos=self.repos,
            clusters=self.clusters,
            options=self.options,
            parent=parent,
        )

    def _parent(self, appset: dict[str, Any]) -> ParentProject | None:
        """The Application whose sync wrote ``appset``, with its project, read afresh (a
        cached project could let one generation through after it was tightened)."""
        owner = rendered_by(appset)
        if owner is None:
            return None
        namespace, name = owner
        app_key = ResourceKey(APPLICATION.group, APPLICATION.kind, namespace, name)
        app = self.local.get(app_key)
        if app is None:
            raise SpecError(f"rendered by {app_key}, which does not exist")
        project_name = str((app.get("spec") or {}).get("project") or "") or "default"
        # Projects live in the control plane only, which is where ApplicationSets live too;
        # the reconciler reads them from there, whatever the Application's namespace.
        control = str((appset.get("metadata") or {}).get("namespace") or "")
        body = self.local.get(ResourceKey(APPPROJECT.group, APPPROJECT.kind, control, project_name))
        projects = {project_name: parse_project(body)} if body is not None else {}
        return ParentProject(str(app_key), find_project(project_name, projects))

    def _forget(self, key: AppKey) -> None:
        with self._lock:
            self._known.discard(key)
        self.queue.forget(key)

    def _next_look(self, plan: AppSetPlan, applied: Applied) -> float:
        if applied.conflicted:
            return CONFLICT_RETRY_SECONDS
        if not plan.ok or applied.failures:
            return min(self.interval, ERROR_RETRY_SECONDS)
        return self.interval * (1 + random.random() * self.jitter)

    def _owned(self, appset: dict[str, Any]) -> list[dict[str, Any]]:
        meta = appset["metadata"]
        apps = self.local.list(APPLICATION, namespace=str(meta["namespace"]))
        uid = str(meta.get("uid") or "")
        return sorted((a for a in apps if is_owned_by(a, uid)), key=_name_of)

    # --- applying the plan ------------------------------------------------------------
    def _apply(
        self, appset: dict[str, Any], plan: AppSetPlan, owned: Sequence[dict[str, Any]]
    ) -> Applied:
        current = {_name_of(a): a for a in owned}
        if not plan.ok:
            return Applied(tuple(current.values()))  # planned nothing: everything stays
        preserve = parse_appset(appset).preserve_resources_on_deletion
        failures: list[str] = []
        conflicted = False
        for action in plan.actions:
            if action.verb == ActionVerb.UNCHANGED:
                continue
            try:
                result = self._apply_one(action, preserve=preserve)
            except Fenced:
                break  # not ours any more: nothing else of this pass is written
            except GitopsdError as error:
                conflicted = conflicted or isinstance(error, Conflict)
                failures.append(f"{action.key} {action.verb} failed: {error}")
                log.warning("%s", failures[-1])
                continue
            if result is None:
                current.pop(action.name, None)
            else:
                current[action.name] = result
        ordered = tuple(current[name] for name in sorted(current))
        return Applied(ordered, tuple(sorted(failures)), conflicted)

    def _apply_one(self, action: AppSetAction, *, preserve: bool) -> dict[str, Any] | None:
        """Create, update or delete one Application; the live body after, None if deleted."""
        body = action.body or {}
        if action.verb == ActionVerb.CREATE:
            with self.gate.write():
                created = self.local.create(body)
            log.info("%s created", action.key)
            return created
        if action.verb == ActionVerb.UPDATE:
            with self.gate.write():
                updated = self.local.replace(body)
            log.info("%s updated", action.key)
            return updated
        self._delete(action, body, preserve=preserve)
        log.info("%s deleted", action.key)
        return None

    def _delete(self, action: AppSetAction, app: dict[str, Any], *, preserve: bool) -> None:
        meta = app.get("metadata") or {}
        finalizers = [str(f) for f in meta.get("finalizers") or []]
        kept = [f for f in finalizers if not is_resources_finalizer(f)]
        if preserve and kept != finalizers:
            # Without the resources finalizer the Application goes and its resources stay.
            patch = {"metadata": {"finalizers": kept, "resourceVersion": meta["resourceVersion"]}}
            with self.gate.write():
                self.local.merge_patch(action.key, patch)
        with self.gate.write():
            self.local.delete(action.key, propagation="Background")

    # --- status ---------------------------------------------------------------------
    def _write_status(
        self,
        key: ResourceKey,
        appset: dict[str, Any],
        conditions: Sequence[AppSetCondition],
        applications: Sequence[dict[str, Any]],
    ) -> None:
        previous = appset.get("status") or {}
        status = appset_status(previous, conditions, applications, now=_iso(self.clock))
        if all(previous.get(field) == value for field, value in status.items()):
            return  # unchanged: no write, so no event, so no pass of our own making
        try:
            with self.gate.write():
                self.local.patch_status(key, status)
        except Fenced as refused:
            log.info("%s", refused)
        except ClusterError as error:
            log.warning("%s: status update failed: %s", key, error)


@dataclass(frozen=True)
class Applied:
    """What applying one plan left: the owned Applications by name, and what failed."""

    current: tuple[dict[str, Any], ...]
    failures: tuple[str, ...] = ()
    conflicted: bool = False


# --- pure helpers ---------------------------------------------------------------------
def _name_of(app: dict[str, Any]) -> str:
    return str((app.get("metadata") or {}).get("name") or "")


def _iso(clock: Clock) -> str:
    return format_time(clock.now())
