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

from gitopsd.errors import ClusterError, Conflict, Forbidden, Invalid, NotFound
from gitopsd.memory import collector
from gitopsd.memory.calls import Call, Verb
from gitopsd.memory.clock import rfc3339
from gitopsd.memory.faults import Fault, FaultBook
from gitopsd.memory.kinds import KindInfo, builtin_kinds, kinds_of_crd
from gitopsd.memory.merging import merge_patch
from gitopsd.memory.ownership import Writer, apply_fields, update_fields
from gitopsd.memory.secrets import fold_string_data
from gitopsd.memory.selectors import parse_selector
from gitopsd.memory.store import ObjectStore
from gitopsd.memory.validation import check_object, check_update
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import NOT_SERVED, ApiResource, Clock, KubeObject, SystemClock

T = TypeVar("T")

# The manager the API server records for a write that names none: the client's user
# agent up to its first "/" (the kubernetes Python client sends OpenAPI-Generator/...).
DEFAULT_MANAGER = "OpenAPI-Generator"
CREATE_MANAGER = "gitopsd"  # KubeCluster.create and replace name this manager
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
CRD = GroupKind("apiextensions.k8s.io", "CustomResourceDefinition")
# metadata only the server sets; a write's values for them are ignored.
SERVER_SET = (
    "name",
    "namespace",
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
)


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
        self.auto_collect = auto_collect
        self.calls: list[Call] = []
        self._version = version
        self._store = ObjectStore()
        self._kinds: dict[GroupKind, KindInfo] = builtin_kinds()
        self._hidden: set[GroupKind] = set()
        self._faults = FaultBook()
        self._lock = threading.RLock()
        self._recording = True
        for name in SYSTEM_NAMESPACES:
            self._create_stored(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
                Writer("kube-apiserver", "v1", self._stamp()),
            )

    # --- ClusterPort ----------------------------------------------------------------
    def server_version(self) -> str:
        return self._version

    def resources(self, *, refresh: bool = False) -> Mapping[GroupKind, ApiResource]:
        del refresh  # discovery is always current here
        return self._call(Call(Verb.DISCOVERY, "discovery"), self._served)

    def get(self, key: ResourceKey) -> KubeObject | None:
        def read() -> KubeObject | None:
            if key.group_kind not in self._served():
                return None  # as KubeCluster.get: a kind not served has no objects
            stored = self._store.get(self._normalized(key))
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
            info = self._info(group_kind, f"list {group_kind}")
            matches = parse_selector(label_selector)
            found = []
            for key in self._store.of_kind(group_kind):
                if info.resource.namespaced and namespace and key.namespace != namespace:
                    continue
                obj = self._store.get(key)
                if obj is not None and matches(obj["metadata"].get("labels") or {}):
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
        return self._call(call, lambda: self._apply(obj, what, dry_run, force, field_manager))

    def create(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        key = ResourceKey.of(obj)
        call = Call(Verb.CREATE, str(key), key, dry_run=dry_run, field_manager=CREATE_MANAGER)
        return self._call(call, lambda: self._create(obj, f"{key} create failed", dry_run))

    def replace(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        key = ResourceKey.of(obj)
        call = Call(Verb.REPLACE, str(key), key, dry_run=dry_run, field_manager=CREATE_MANAGER)
        return self._call(call, lambda: self._replace(obj, f"{key} replace failed", dry_run))

    def delete(
        self,
        key: ResourceKey,
        *,
        propagation: str = "Foreground",
        dry_run: bool = False,
    ) -> None:
        call = Call(Verb.DELETE, str(key), key, dry_run=dry_run, propagation=propagation)
        self._call(call, lambda: self._delete(key, propagation, dry_run))

    def merge_patch(self, key: ResourceKey, patch: KubeObject) -> KubeObject:
        call = Call(Verb.MERGE_PATCH, str(key), key, field_manager=DEFAULT_MANAGER)
        return self._call(call, lambda: self._merge_patch(key, patch, f"{key} patch failed"))

    def patch_status(self, key: ResourceKey, status: dict[str, Any]) -> KubeObject:
        """Merge-patch the status subresource (as ``KubeCluster.patch_status``)."""
        call = Call(Verb.PATCH_STATUS, str(key), key, field_manager=DEFAULT_MANAGER)
        what = f"{key} status patch failed"
        return self._call(
            call,
            lambda: self._write_status(key, status, DEFAULT_MANAGER, what, merge=True),
        )

    # --- what tests and emulated controllers do (never recorded, never faulted) -------
    def stored(self, key: ResourceKey) -> KubeObject | None:
        with self._lock:
            found = self._store.get(self._normalized(key))
            return copy.deepcopy(found) if found is not None else None

    def keys(self, kind: str | None = None) -> builtins.list[ResourceKey]:
        with self._lock:
            return [k for k in self._store.sorted_keys() if kind is None or k.kind == kind]

    def set_status(
        self, key: ResourceKey, status: dict[str, Any], *, manager: str = "memory-controller"
    ) -> KubeObject:
        """Replace an object's status as its controller would (an Update of /status)."""
        with self._lock:
            return self._write_status(key, status, manager, f"{key} status update failed")

    def edit(
        self,
        key: ResourceKey,
        change: Callable[[KubeObject], None],
        *,
        manager: str = "kubectl-edit",
    ) -> KubeObject:
        """Change an object by hand (an Update by ``manager``), as ``kubectl edit`` does."""
        with self._lock:
            live = self._require(key, f"{key} edit failed")
            edited = copy.deepcopy(live)
            change(edited)
            return self._update(live, edited, manager, f"{key} edit failed", dry_run=False)

    def remove(self, key: ResourceKey, *, propagation: str = "Background") -> None:
        """Delete as someone else would (``kubectl delete``)."""
        with self._lock:
            self._delete(key, propagation, dry_run=False)

    def collect_garbage(self) -> None:
        with self._lock:
            collector.collect(self._store, self._stamp())

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.add(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def hide_kind(self, group_kind: GroupKind) -> None:
        """Stop serving a kind (an aggregated API gone, a CRD not yet established)."""
        with self._lock:
            self._hidden.add(group_kind)

    def serve_kind(self, group_kind: GroupKind) -> None:
        with self._lock:
            self._hidden.discard(group_kind)

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

    # --- verbs ----------------------------------------------------------------------
    def _apply(
        self, obj: KubeObject, what: str, dry_run: bool, force: bool, manager: str
    ) -> KubeObject:
        key, info, config = self._incoming(obj, what)
        live = self._store.get(key)
        writer = Writer(manager, info.resource.api_version, self._stamp())
        self._check_version(config, live, key)
        if live is None:
            self._check_namespace(key, creating=True)
            base = {"apiVersion": config["apiVersion"], "kind": config["kind"], "metadata": {}}
            new = apply_fields(base, config, writer, force=force)
            return self._finish_create(key, info, new, dry_run)
        try:
            new = apply_fields(live, config, writer, force=force)
        except Conflict as error:
            raise Conflict(f"{what}: {error}", status=409, reason="Conflict") from error
        return self._finish_update(key, info, live, new, dry_run)

    def _create(self, obj: KubeObject, what: str, dry_run: bool) -> KubeObject:
        key, info, body = self._incoming(obj, what)
        if key in self._store:
            raise Conflict(
                f'{what}: {key.kind.lower()}s "{key.name}" already exists',
                status=409,
                reason="AlreadyExists",
            )
        self._check_namespace(key, creating=True)
        if (body["metadata"].get("resourceVersion") or "") != "":
            raise Invalid(f"{what}: resourceVersion should not be set on objects to be created")
        writer = Writer(CREATE_MANAGER, info.resource.api_version, self._stamp())
        new = update_fields(None, body, writer)
        return self._finish_create(key, info, new, dry_run)

    def _replace(self, obj: KubeObject, what: str, dry_run: bool) -> KubeObject:
        key, info, body = self._incoming(obj, what)
        live = self._store.get(key)
        if live is None:
            if body["metadata"].get("resourceVersion"):
                raise NotFound(f'{what}: {key.kind.lower()}s "{key.name}" not found', status=404)
            return self._create(obj, what, dry_run)
        self._check_version(body, live, key)
        body = copy.deepcopy(body)
        for name in ("uid", "creationTimestamp", "deletionTimestamp", "generation"):
            if name in live["metadata"]:
                body["metadata"][name] = live["metadata"][name]
        body["metadata"]["managedFields"] = live["metadata"].get("managedFields") or []
        return self._update(live, body, CREATE_MANAGER, what, dry_run=dry_run, info=info)

    def _merge_patch(self, key: ResourceKey, patch: KubeObject, what: str) -> KubeObject:
        live = self._require(key, what)
        patched = merge_patch(live, patch)
        self._check_version(patch, live, key)
        patched["metadata"]["managedFields"] = live["metadata"].get("managedFields") or []
        for name in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp"):
            if name in live["metadata"]:
                patched["metadata"][name] = live["metadata"][name]
        return self._update(live, patched, DEFAULT_MANAGER, what, dry_run=False)

    def _delete(self, key: ResourceKey, propagation: str, dry_run: bool) -> None:
        self._info(key.group_kind, f"{key} delete failed")
        key = self._normalized(key)
        if key not in self._store or dry_run:
            return
        collector.begin_delete(self._store, key, propagation, self._stamp())
        self._after_change(key)

    def _write_status(
        self,
        key: ResourceKey,
        status: dict[str, Any],
        manager: str,
        what: str,
        *,
        merge: bool = False,
    ) -> KubeObject:
        live = self._require(key, what)
        info = self._info(key.group_kind, what)
        new = copy.deepcopy(live)
        new["status"] = merge_patch(live.get("status") or {}, status) if merge else status
        writer = Writer(manager, info.resource.api_version, self._stamp(), subresource="status")
        new = update_fields(live, new, writer)
        return self._store_if_changed(key, live, new)

    # --- helpers --------------------------------------------------------------------
    def _update(
        self,
        live: KubeObject,
        body: KubeObject,
        manager: str,
        what: str,
        *,
        dry_run: bool,
        info: KindInfo | None = None,
    ) -> KubeObject:
        key = ResourceKey.of(live)
        info = info or self._info(key.group_kind, what)
        body = copy.deepcopy(body)
        try:
            check_object(key, body, info)
        except Invalid as error:
            raise Invalid(f"{what}: {error}", status=error.status, reason=error.reason) from error
        if info.status_subresource:
            _set_or_drop(body, "status", live.get("status"))
        writer = Writer(manager, info.resource.api_version, self._stamp())
        new = update_fields(live, body, writer)
        return self._finish_update(key, info, live, new, dry_run)

    def _incoming(self, obj: KubeObject, what: str) -> tuple[ResourceKey, KindInfo, KubeObject]:
        """The key, kind and a copy of a write's body, checked and cleaned as the server
        does before it looks at the stored object."""
        key = ResourceKey.of(obj)
        info = self._info(key.group_kind, what)
        body = copy.deepcopy(obj)
        body.setdefault("metadata", {})
        if not info.resource.namespaced:
            body["metadata"].pop("namespace", None)
            key = ResourceKey(key.group, key.kind, "", key.name)
        elif not key.namespace:
            raise Invalid(f"{what}: the namespace of the object is required", status=422)
        try:
            check_object(key, body, info)
        except Invalid as error:
            raise Invalid(f"{what}: {error}", status=error.status, reason=error.reason) from error
        if info.status_subresource:
            body.pop("status", None)
        body["metadata"].pop("managedFields", None)
        return key, info, body

    def _finish_create(
        self, key: ResourceKey, info: KindInfo, new: KubeObject, dry_run: bool
    ) -> KubeObject:
        meta = new["metadata"]
        meta.update(name=key.name, uid=self._store.next_uid(), creationTimestamp=self._stamp())
        if key.namespace:
            meta["namespace"] = key.namespace
        if info.has_generation:
            meta["generation"] = 1
        for name in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"):
            meta.pop(name, None)
        _defaults(key, new)
        fold_string_data(new)
        if dry_run:
            return copy.deepcopy(new)
        stored = self._store.put(key, new)
        self._after_change(key)
        return copy.deepcopy(stored)

    def _finish_update(
        self, key: ResourceKey, info: KindInfo, live: KubeObject, new: KubeObject, dry_run: bool
    ) -> KubeObject:
        fold_string_data(new)
        for name in SERVER_SET:
            _set_or_drop(new["metadata"], name, live["metadata"].get(name))
        check_update(key, live, new, info)
        if info.has_generation and _spec_changed(live, new, info):
            new["metadata"]["generation"] = int(live["metadata"].get("generation") or 0) + 1
        new["metadata"]["resourceVersion"] = live["metadata"].get("resourceVersion")
        if dry_run:
            return copy.deepcopy(new) if not _same(live, new) else copy.deepcopy(live)
        return self._store_if_changed(key, live, new)

    def _store_if_changed(self, key: ResourceKey, live: KubeObject, new: KubeObject) -> KubeObject:
        if _same(live, new):
            return copy.deepcopy(live)  # a write that changes nothing is not stored
        stored = self._store.put(key, new)
        self._after_change(key)
        return copy.deepcopy(stored)

    def _after_change(self, key: ResourceKey) -> None:
        if key.group_kind == CRD:
            self._sync_crd_kinds()
        collector.release_if_done(self._store, key)
        if self.auto_collect:
            collector.collect(self._store, self._stamp())
        if key.group_kind == CRD and key not in self._store:
            self._sync_crd_kinds()

    def _sync_crd_kinds(self) -> None:
        """Serve exactly the kinds of the stored CRDs (and drop the objects of a kind whose
        CRD is gone, as the API server's cleanup does)."""
        served = {gk: info for gk, info in builtin_kinds().items()}
        for key in self._store.of_kind(CRD):
            crd = self._store.get(key)
            info = kinds_of_crd(crd) if crd is not None else None
            if info is not None:
                served[info.group_kind] = info
        for group_kind in set(self._kinds) - set(served):
            for key in self._store.of_kind(group_kind):
                self._store.remove(key)
        self._kinds = served

    def _served(self) -> dict[GroupKind, ApiResource]:
        return {gk: i.resource for gk, i in self._kinds.items() if gk not in self._hidden}

    def _info(self, group_kind: GroupKind, what: str) -> KindInfo:
        info = self._kinds.get(group_kind)
        if info is None or group_kind in self._hidden:
            raise NotFound(
                f"{what}: {group_kind}: kind is not served by {self.host}",
                status=404,
                reason=NOT_SERVED,
            )
        return info

    def _normalized(self, key: ResourceKey) -> ResourceKey:
        info = self._kinds.get(key.group_kind)
        if info is not None and not info.resource.namespaced and key.namespace:
            return ResourceKey(key.group, key.kind, "", key.name)
        return key

    def _require(self, key: ResourceKey, what: str) -> KubeObject:
        self._info(key.group_kind, what)
        live = self._store.get(self._normalized(key))
        if live is None:
            raise NotFound(f'{what}: {key.kind.lower()}s "{key.name}" not found', status=404)
        return live

    def _check_namespace(self, key: ResourceKey, *, creating: bool) -> None:
        if not key.namespace or not creating:
            return
        namespace = self._store.get(ResourceKey("", "Namespace", "", key.namespace))
        if namespace is None:
            raise NotFound(f'{key}: namespaces "{key.namespace}" not found', status=404)
        if namespace["metadata"].get("deletionTimestamp"):
            raise Forbidden(
                f"{key}: unable to create new content in namespace {key.namespace} because it "
                "is being terminated",
                status=403,
            )

    def _check_version(self, body: KubeObject, live: KubeObject | None, key: ResourceKey) -> None:
        wanted = (body.get("metadata") or {}).get("resourceVersion")
        if wanted and (live is None or wanted != live["metadata"].get("resourceVersion")):
            raise Conflict(
                f'Operation cannot be fulfilled on {key.kind.lower()}s "{key.name}": the object '
                "has been modified; please apply your changes to the latest version and try "
                "again",
                status=409,
                reason="Conflict",
            )

    def _create_stored(self, obj: KubeObject, writer: Writer) -> None:
        key = ResourceKey.of(obj)
        info = self._kinds[key.group_kind]
        self._finish_create(key, info, update_fields(None, obj, writer), dry_run=False)

    def _stamp(self) -> str:
        return rfc3339(self.clock.now())


def _what(call: Call) -> str:
    return f"{call.target} {call.verb} failed"


def _set_or_drop(obj: KubeObject, name: str, value: Any) -> None:
    if value is None:
        obj.pop(name, None)
    else:
        obj[name] = copy.deepcopy(value)


def _spec_changed(old: KubeObject, new: KubeObject, info: KindInfo) -> bool:
    ignored = {"metadata", "status"} if info.status_subresource else {"metadata"}
    before = {k: v for k, v in old.items() if k not in ignored}
    after = {k: v for k, v in new.items() if k not in ignored}
    return before != after


def _same(old: KubeObject, new: KubeObject) -> bool:
    """Equal apart from managedFields timestamps (a no-op write)."""

    def comparable(obj: KubeObject) -> KubeObject:
        meta = dict(obj.get("metadata") or {})
        meta["managedFields"] = [
            {k: v for k, v in entry.items() if k != "time"}
            for entry in meta.get("managedFields") or []
        ]
        return {**obj, "metadata": meta}

    return comparable(old) == comparable(new)


def _defaults(key: ResourceKey, obj: KubeObject) -> None:
    """The few defaults the model fills in on create (a real server fills many more)."""
    if key.group_kind == GroupKind("", "Namespace"):
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj["status"] = {"phase": "Active"}
        labels = obj["metadata"].setdefault("labels", {})
        labels["kubernetes.io/metadata.name"] = key.name
    elif key.group_kind == CRD:
        names = (obj.get("spec") or {}).get("names") or {}
        obj["status"] = {
            "acceptedNames": copy.deepcopy(names),
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts"},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted"},
            ],
            "storedVersions": [
                v.get("name")
                for v in (obj.get("spec") or {}).get("versions") or []
                if v.get("storage")
            ],
        }
