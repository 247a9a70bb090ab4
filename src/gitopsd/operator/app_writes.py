"""What the controller writes to an Application after a pass, in the order that keeps a
crash or a refused write from losing or repeating work: the status first, replacing the
old one whole; a consumed ``operation`` request cleared only once that write succeeded
(and only if the request is still the one consumed); finalizers whose work is done;
Events only for a pass whose status was recorded (handed to the controller's
``EventSink``, which posts them from a thread of its own).

Every write goes through the controller's ``WriteGate``: with sharding it is checked
against ownership right before it is sent, the status names its writer
(``status.controller``), and the status write holds only over the writer the pass read.
After a refusal nothing more of the pass is written. Used by
:mod:`gitopsd.operator.controller`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from gitopsd.cluster import KubeCluster
from gitopsd.errors import ClusterError, Conflict, Fenced, Invalid, NotFound
from gitopsd.model.annotations import (
    ARGOCD_PREFIX,
    GITOPSD_PREFIX,
    REFRESH,
    TERMINATE_OPERATION_ANNOTATION,
)
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.operator.audit import EventSink, record
from gitopsd.ports import Clock
from gitopsd.sharding import WriteGate
from gitopsd.sync.reconciler import ReconcileResult

log = logging.getLogger(__name__)

APPLICATION = GroupKind("gitopsd.io", "Application")
# Timestamps change every pass; a status that differs only in them is not written, so an
# unchanged pass (and a restart over unchanged apps) makes no write at all. reconciledAt
# is therefore the time of the last pass that changed something; how recently each app
# was looked at is in the reconcile metrics.
VOLATILE_STATUS_FIELDS = ("reconciledAt", "observedAt")
# After a finalizer patch lost a race with another writer: look again soon.
CONFLICT_RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class Written:
    recorded: bool  # the status is what the pass computed (or needed no write)
    retry_after: float | None = None  # a write lost a race: look again this soon


class ApplicationWriter:
    def __init__(
        self, local: KubeCluster, gate: WriteGate, clock: Clock, events: EventSink
    ) -> None:
        self.local = local
        self.events = events
        self.gate = gate
        self.clock = clock

    def write(self, app: dict[str, Any], result: ReconcileResult) -> Written:
        """Record what the pass decided, in the order that keeps a crash or a refused write
        from losing or repeating work (see the module docstring). Every write is checked
        against ownership right before it is sent; after a refusal nothing more is."""
        meta = app["metadata"]
        key = ResourceKey(APPLICATION.group, APPLICATION.kind, meta["namespace"], meta["name"])
        status = self._with_controller(app, result.status)
        try:
            recorded = self._write_status(key, app.get("status") or {}, status)
            if result.clear_operation and recorded and app.get("operation") is not None:
                self._clear_operation(key, app["operation"])
            retry_after = None
            if result.remove_finalizers:
                retry_after = self._remove_finalizers(key, meta, result.remove_finalizers)
            if result.events and recorded:
                with self.gate.write():
                    body = {**app, "status": status}
                    now = self.clock.now()
                    record(self.events, body, result.events, now, self.gate.shard.replica)
        except Fenced as refused:
            log.info("%s", refused)
            return Written(recorded=False)
        return Written(recorded=recorded, retry_after=retry_after)

    def _with_controller(self, app: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
        """With sharding, ``status.controller`` names the replica writing the status and
        when it took the Application over (kept while the same replica writes)."""
        if not self.gate.sharded:
            return status
        replica = self.gate.shard.replica
        previous = (app.get("status") or {}).get("controller") or {}
        if previous.get("replica") == replica and previous.get("since"):
            entry = {"replica": replica, "since": str(previous["since"])}
        else:
            since = self.clock.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            entry = {"replica": replica, "since": since}
        return {**status, "controller": entry}

    def _write_status(
        self, key: ResourceKey, previous: dict[str, Any], status: dict[str, Any]
    ) -> bool:
        """Replace the status when it changed; False when the API server refused it.
        With sharding the write holds only if ``status.controller`` is still what this
        pass read: a replica that lost the Application meanwhile cannot overwrite the
        status its new owner wrote."""
        if not self._status_changed(previous, status):
            return True
        expect = None
        if self.gate.sharded and "controller" in previous:
            expect = {"/status/controller": previous["controller"]}
        try:
            with self.gate.write():
                try:
                    if expect is None:
                        self.local.replace_status(key, status)
                    else:
                        self.local.replace_status(key, status, expect=expect)
                except Invalid as error:
                    if expect is None:
                        raise
                    raise Fenced(
                        f"{key}: status not written: another replica wrote it since this "
                        "pass read it"
                    ) from error
        except NotFound:
            return True  # deleted meanwhile: nothing left to record
        except Fenced:
            raise
        except ClusterError as error:
            log.warning("%s: status update failed, will retry: %s", key, error)
            return False
        return True

    def _clear_operation(self, key: ResourceKey, consumed: dict[str, Any]) -> None:
        """Remove ``operation`` only if it is still the request this pass consumed: a new
        request written meanwhile must survive (the server refuses the patch then)."""
        try:
            with self.gate.write():
                self.local.json_patch(
                    key,
                    [
                        {"op": "test", "path": "/operation", "value": consumed},
                        {"op": "remove", "path": "/operation"},
                    ],
                )
        except (Invalid, NotFound):
            log.info("%s: operation changed since it was read; left for the next pass", key)
        except Fenced:
            raise
        except ClusterError as error:
            log.warning("%s: clearing the consumed operation failed: %s", key, error)

    def _remove_finalizers(
        self, key: ResourceKey, meta: dict[str, Any], done: tuple[str, ...]
    ) -> float | None:
        """Drop finalizers whose work is done; a lost race (409) is retried soon."""
        kept = [f for f in meta.get("finalizers") or [] if f not in done]
        patch = {"metadata": {"finalizers": kept, "resourceVersion": meta["resourceVersion"]}}
        try:
            with self.gate.write():
                self.local.merge_patch(key, patch)
        except NotFound:
            return None
        except Conflict:
            log.info("%s: changed while its finalizer was being removed; retrying", key)
            return CONFLICT_RETRY_SECONDS
        return None

    @staticmethod
    def _status_changed(previous: dict[str, Any], status: dict[str, Any]) -> bool:
        before = {k: v for k, v in previous.items() if k not in VOLATILE_STATUS_FIELDS}
        after = {k: v for k, v in status.items() if k not in VOLATILE_STATUS_FIELDS}
        return before != after

    def clear_refresh(self, app: dict[str, Any]) -> None:
        meta = app["metadata"]
        key = ResourceKey(APPLICATION.group, APPLICATION.kind, meta["namespace"], meta["name"])
        annotations: dict[str, None] = {
            f"{prefix}{REFRESH}": None for prefix in (GITOPSD_PREFIX, ARGOCD_PREFIX)
        }
        annotations[TERMINATE_OPERATION_ANNOTATION] = None
        try:
            with self.gate.write():
                self.local.merge_patch(key, {"metadata": {"annotations": annotations}})
        except ClusterError as error:
            log.warning("%s: clearing the refresh annotation failed: %s", key, error)
