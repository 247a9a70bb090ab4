"""``MemoryCluster``: a ``ClusterPort`` that keeps its objects in memory.

A small, faithful model of one Kubernetes API server for tests and tools, shipped with
the package as httpx ships its mock transport. It keeps what the engine relies on:

- resourceVersion (one store-wide counter), uid, creationTimestamp, and generation for
  kinds that count it, bumped only when something other than metadata and status changes;
- server-side apply with field managers and ``managedFields`` (``gitopsd.memory.ownership``):
  conflicts unless forced, forced take-overs, removal of fields an applier dropped;
  create, replace (PUT) and merge patch as ``Update`` operations; status through its
  subresource only; writes that change nothing store nothing;
- dry runs that answer with the prediction and store nothing;
- deletion with finalizers and Foreground/Background/Orphan propagation through
  ownerReferences (``gitopsd.memory.collector``), Namespaces that empty before they go;
- discovery: built-in kinds plus those of the CustomResourceDefinitions it stores;
- label selectors in ``list``; validation of names, labels and immutable fields;
- injected faults (``gitopsd.memory.faults``) and a record of every call
  (``gitopsd.memory.calls``) to assert on.

This module is the facade: the ``ClusterPort`` verbs, one lock, the call record, faults
and the controls a test uses (``set_status``, ``edit``, ``hide_kind``, ...); what a verb
does to the stored objects is ``gitopsd.memory.server``.

It is checked against a real API server by the contract suite in ``tests/contract``. What
it leaves out: defaulting (beyond a Namespace's), admission, schemas of custom resources,
watches, and any controller. Tests play the controllers (a Deployment becoming available,
a Job completing) explicitly with ``set_status``.
"""

from __future__ import annotations

import builtins
import copy
import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from gitopsd.errors import ClusterError, ConfigError, Invalid
from gitopsd.memory.calls import Call, Verb
from gitopsd.memory.faults import Fault, FaultBook
from gitopsd.memory.server import CREATE_MANAGER, DEFAULT_MANAGER, ApiServer
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.model.selectors import parse_selector
from gitopsd.ports import ApiResource, Clock, KubeObject, SystemClock

T = TypeVar("T")


class MemoryCluster:
    """One in-memory API server. Thread-safe: every call holds one lock."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        version: str = "v1.36.3",
        host: str = "memory://cluster",
        auto_collect: bool = True,
    ) -> None:
        self.clock = clock or SystemClock()
        self.host = host
        self.calls: list[Call] = []
        self._version = version
        self._server = ApiServer(self.clock, host=host, auto_collect=auto_collect)
        self._faults = FaultBook()
        self._lock = threading.RLock()
        self._recording = True

    # --- ClusterPort ----------------------------------------------------------------
    def server_version(self) -> str:
        return self._version

    def resources(self, *, refresh: bool = False) -> Mapping[GroupKind, ApiResource]:
        del refresh  # discovery is always current here
        return self._call(Call(Verb.DISCOVERY, "discovery"), self._server.served)

    def get(self, key: ResourceKey) -> KubeObject | None:
        def read() -> KubeObject | None:
            if key.group_kind not in self._server.served():
                return None  # as KubeCluster.get: a kind not served has no objects
            stored = self._server.store.get(self._server.normalized(key))
            return copy.deepcopy(stored) if stored is not None else None

        return self._call(Call(Verb.GET, str(key), key), read)

    def list(
        self,
        group_kind: GroupKind,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> builtins.list[KubeObject]:
        def read() -> builtins.list[KubeObject]:
            info = self._server.info(group_kind, f"list {group_kind}")
            try:
                selector = parse_selector(label_selector)
            except ConfigError as e:
                raise Invalid(
                    f"unable to parse requirement: {e}", status=400, reason="BadRequest"
                ) from e
            found = []
            for key in self._server.store.of_kind(group_kind):
                if info.resource.namespaced and namespace and key.namespace != namespace:
                    continue
                obj = self._server.store.get(key)
                if obj is not None and selector.matches(obj["metadata"].get("labels")):
                    found.append(copy.deepcopy(obj))
            return found

        return self._call(Call(Verb.LIST, str(group_kind)), read)

    def apply(
        self,
        obj: KubeObject,
        *,
        dry_run: bool = False,
        force: bool = True,
        field_manager: str = "gitopsd",
        field_validation: str = "",
    ) -> KubeObject:
        key = ResourceKey.of(obj)
        call = Call(
            Verb.APPLY,
            str(key),
            key,
            dry_run=dry_run,
            field_manager=field_manager,
            force=force,
            field_validation=field_validation,
        )
        what = f"{key} {'dry-run ' if dry_run else ''}apply failed"
        return self._call(
            call, lambda: self._server.apply(obj, what, dry_run, force, field_manager)
        )

    def create(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        key = ResourceKey.of(obj)
        call = Call(Verb.CREATE, str(key), key, dry_run=dry_run, field_manager=CREATE_MANAGER)
        return self._call(call, lambda: self._server.create(obj, f"{key} create failed", dry_run))

    def replace(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        key = ResourceKey.of(obj)
        call = Call(Verb.REPLACE, str(key), key, dry_run=dry_run, field_manager=CREATE_MANAGER)
        return self._call(call, lambda: self._server.replace(obj, f"{key} replace failed", dry_run))

    def delete(
        self,
        key: ResourceKey,
        *,
        propagation: str = "Foreground",
        dry_run: bool = False,
    ) -> None:
        call = Call(Verb.DELETE, str(key), key, dry_run=dry_run, propagation=propagation)
        self._call(call, lambda: self._server.delete(key, propagation, dry_run))

    def merge_patch(self, key: ResourceKey, patch: KubeObject) -> KubeObject:
        call = Call(Verb.MERGE_PATCH, str(key), key, field_manager=DEFAULT_MANAGER)
        return self._call(call, lambda: self._server.merge_patch(key, patch, f"{key} patch failed"))

    def patch_status(self, key: ResourceKey, status: dict[str, Any]) -> KubeObject:
        """Merge-patch the status subresource (as ``KubeCluster.patch_status``)."""
        call = Call(Verb.PATCH_STATUS, str(key), key, field_manager=DEFAULT_MANAGER)
        what = f"{key} status patch failed"
        return self._call(
            call,
            lambda: self._server.write_status(key, status, DEFAULT_MANAGER, what, merge=True),
        )

    def replace_status(
        self,
        key: ResourceKey,
        status: dict[str, Any],
        *,
        expect: Mapping[str, Any] | None = None,
    ) -> KubeObject:
        """Make ``status`` the whole status (as ``KubeCluster.replace_status``, which the
        operator uses so that no key of the previous status survives); each JSON pointer
        in ``expect`` must still hold its value, or ``Invalid``, as a failed JSON patch
        ``test`` is answered."""
        call = Call(Verb.REPLACE_STATUS, str(key), key, field_manager=DEFAULT_MANAGER)
        what = f"{key} status replace failed"

        def write() -> KubeObject:
            live = self._server.require(key, what)
            for pointer, value in (expect or {}).items():
                if _at_pointer(live, pointer) != value:
                    raise Invalid(f"{what}: test of {pointer} failed", status=422)
            return self._server.write_status(key, status, DEFAULT_MANAGER, what)

        return self._call(call, write)

    # --- what tests and emulated controllers do (never recorded, never faulted) -------
    def stored(self, key: ResourceKey) -> KubeObject | None:
        with self._lock:
            found = self._server.store.get(self._server.normalized(key))
            return copy.deepcopy(found) if found is not None else None

    def keys(self, kind: str | None = None) -> builtins.list[ResourceKey]:
        with self._lock:
            return [k for k in self._server.store.sorted_keys() if kind is None or k.kind == kind]

    def set_status(
        self, key: ResourceKey, status: dict[str, Any], *, manager: str = "memory-controller"
    ) -> KubeObject:
        """Replace an object's status as its controller would (an Update of /status)."""
        with self._lock:
            return self._server.write_status(key, status, manager, f"{key} status update failed")

    def edit(
        self,
        key: ResourceKey,
        change: Callable[[KubeObject], None],
        *,
        manager: str = "kubectl-edit",
    ) -> KubeObject:
        """Change an object by hand (an Update by ``manager``), as ``kubectl edit`` does."""
        with self._lock:
            live = self._server.require(key, f"{key} edit failed")
            edited = copy.deepcopy(live)
            change(edited)
            return self._server.update(live, edited, manager, f"{key} edit failed", dry_run=False)

    def remove(self, key: ResourceKey, *, propagation: str = "Background") -> None:
        """Delete as someone else would (``kubectl delete``)."""
        with self._lock:
            self._server.delete(key, propagation, dry_run=False)

    def collect_garbage(self) -> None:
        with self._lock:
            self._server.collect()

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.add(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def hide_kind(self, group_kind: GroupKind) -> None:
        """Stop serving a kind (an aggregated API gone, a CRD not yet established)."""
        with self._lock:
            self._server.hidden.add(group_kind)

    def serve_kind(self, group_kind: GroupKind) -> None:
        with self._lock:
            self._server.hidden.discard(group_kind)

    @contextmanager
    def unrecorded(self) -> Iterator[None]:
        """Calls made inside are neither recorded nor faulted (a test's own set-up)."""
        with self._lock:
            recording, self._recording = self._recording, False
            try:
                yield
            finally:
                self._recording = recording

    def writes(self) -> builtins.list[Call]:
        """Every call that asked to change the cluster, failed ones included."""
        return [c for c in self.calls if c.write]

    def dry_runs(self) -> builtins.list[Call]:
        return [c for c in self.calls if c.mutating and c.dry_run]

    def clear_calls(self) -> None:
        self.calls.clear()

    # --- calls ----------------------------------------------------------------------
    def _call(self, call: Call, action: Callable[[], T]) -> T:
        with self._lock:
            fault = self._faults.take(call) if self._recording else None
            try:
                if fault is not None and not fault.after_write:
                    raise fault.error(_what(call))
                result = action()
                if fault is not None:
                    raise fault.error(_what(call))
            except ClusterError as error:
                self._record(dataclasses.replace(call, error=type(error).__name__))
                raise
            self._record(call)
            return result

    def _record(self, call: Call) -> None:
        if self._recording:
            self.calls.append(call)


_MISSING = object()


def _at_pointer(obj: Any, pointer: str) -> Any:
    """The value at an RFC 6901 pointer, or a marker no value equals when absent."""
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(obj, dict) and token in obj:
            obj = obj[token]
        elif isinstance(obj, list) and token.isdigit() and int(token) < len(obj):
            obj = obj[int(token)]
        else:
            return _MISSING
    return obj


def _what(call: Call) -> str:
    return f"{call.target} {call.verb} failed"
