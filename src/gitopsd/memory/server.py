"""What the in-memory API server does with a write, behind ``MemoryCluster``'s facade.

``ApiServer`` holds the objects, the served kinds and the clock, and carries out each
verb as the API server would: check the body (``validation``), find the stored object,
compute the new one with its managedFields (``ownership``), bump generation and
resourceVersion only when something changed, and run the deletion machinery
(``collector``) afterwards. It does no locking, recording or fault injection: that is
``MemoryCluster``'s job, which calls it under its lock.
"""

from __future__ import annotations

import copy
from typing import Any

from gitopsd.diff.normalize import fold_string_data
from gitopsd.errors import Conflict, Forbidden, Invalid, NotFound
from gitopsd.memory import collector
from gitopsd.memory.kinds import KindInfo, builtin_kinds, kinds_of_crd
from gitopsd.memory.merging import merge_patch
from gitopsd.memory.ownership import Writer, apply_fields, update_fields
from gitopsd.memory.store import ObjectStore
from gitopsd.memory.validation import check_object, check_update
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.model.times import format_time
from gitopsd.ports import NOT_SERVED, ApiResource, Clock, KubeObject

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


class ApiServer:
    def __init__(self, clock: Clock, *, host: str, auto_collect: bool) -> None:
        self.clock = clock
        self.host = host
        self.auto_collect = auto_collect
        self.store = ObjectStore()
        self.kinds: dict[GroupKind, KindInfo] = builtin_kinds()
        self.hidden: set[GroupKind] = set()
        for name in SYSTEM_NAMESPACES:
            self.create_stored(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
                Writer("kube-apiserver", "v1", self.stamp()),
            )

    def collect(self) -> None:
        collector.collect(self.store, self.stamp())

    def apply(
        self, obj: KubeObject, what: str, dry_run: bool, force: bool, manager: str
    ) -> KubeObject:
        key, info, config = self._incoming(obj, what)
        live = self.store.get(key)
        writer = Writer(manager, info.resource.api_version, self.stamp())
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

    def create(self, obj: KubeObject, what: str, dry_run: bool) -> KubeObject:
        key, info, body = self._incoming(obj, what)
        if key in self.store:
            raise Conflict(
                f'{what}: {key.kind.lower()}s "{key.name}" already exists',
                status=409,
                reason="AlreadyExists",
            )
        self._check_namespace(key, creating=True)
        if (body["metadata"].get("resourceVersion") or "") != "":
            raise Invalid(f"{what}: resourceVersion should not be set on objects to be created")
        writer = Writer(CREATE_MANAGER, info.resource.api_version, self.stamp())
        new = update_fields(None, body, writer)
        return self._finish_create(key, info, new, dry_run)

    def replace(self, obj: KubeObject, what: str, dry_run: bool) -> KubeObject:
        key, info, body = self._incoming(obj, what)
        live = self.store.get(key)
        if live is None:
            if body["metadata"].get("resourceVersion"):
                raise NotFound(f'{what}: {key.kind.lower()}s "{key.name}" not found', status=404)
            return self.create(obj, what, dry_run)
        self._check_version(body, live, key)
        body = copy.deepcopy(body)
        for name in ("uid", "creationTimestamp", "deletionTimestamp", "generation"):
            if name in live["metadata"]:
                body["metadata"][name] = live["metadata"][name]
        body["metadata"]["managedFields"] = live["metadata"].get("managedFields") or []
        return self.update(live, body, CREATE_MANAGER, what, dry_run=dry_run, info=info)

    def merge_patch(self, key: ResourceKey, patch: KubeObject, what: str) -> KubeObject:
        live = self.require(key, what)
        patched = merge_patch(live, patch)
        self._check_version(patch, live, key)
        patched["metadata"]["managedFields"] = live["metadata"].get("managedFields") or []
        for name in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp"):
            if name in live["metadata"]:
                patched["metadata"][name] = live["metadata"][name]
        return self.update(live, patched, DEFAULT_MANAGER, what, dry_run=False)

    def delete(self, key: ResourceKey, propagation: str, dry_run: bool) -> None:
        self.info(key.group_kind, f"{key} delete failed")
        key = self.normalized(key)
        if key not in self.store or dry_run:
            return
        collector.begin_delete(self.store, key, propagation, self.stamp())
        self._after_change(key)

    def write_status(
        self,
        key: ResourceKey,
        status: dict[str, Any],
        manager: str,
        what: str,
        *,
        merge: bool = False,
    ) -> KubeObject:
        live = self.require(key, what)
        info = self.info(key.group_kind, what)
        new = copy.deepcopy(live)
        new["status"] = merge_patch(live.get("status") or {}, status) if merge else status
        writer = Writer(manager, info.resource.api_version, self.stamp(), subresource="status")
        new = update_fields(live, new, writer)
        return self._store_if_changed(key, live, new)

    # --- helpers --------------------------------------------------------------------
    def update(
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
        info = info or self.info(key.group_kind, what)
        body = copy.deepcopy(body)
        try:
            check_object(key, body, info)
        except Invalid as error:
            raise Invalid(f"{what}: {error}", status=error.status, reason=error.reason) from error
        if info.status_subresource:
            _set_or_drop(body, "status", live.get("status"))
        writer = Writer(manager, info.resource.api_version, self.stamp())
        new = update_fields(live, body, writer)
        return self._finish_update(key, info, live, new, dry_run)

    def _incoming(self, obj: KubeObject, what: str) -> tuple[ResourceKey, KindInfo, KubeObject]:
        """The key, kind and a copy of a write's body, checked and cleaned as the server
        does before it looks at the stored object."""
        key = ResourceKey.of(obj)
        info = self.info(key.group_kind, what)
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
        meta.update(name=key.name, uid=self.store.next_uid(), creationTimestamp=self.stamp())
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
        stored = self.store.put(key, new)
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
        stored = self.store.put(key, new)
        self._after_change(key)
        return copy.deepcopy(stored)

    def _after_change(self, key: ResourceKey) -> None:
        if key.group_kind == CRD:
            self._sync_crd_kinds()
        collector.release_if_done(self.store, key)
        if self.auto_collect:
            collector.collect(self.store, self.stamp())
        if key.group_kind == CRD and key not in self.store:
            self._sync_crd_kinds()

    def _sync_crd_kinds(self) -> None:
        """Serve exactly the kinds of the stored CRDs (and drop the objects of a kind whose
        CRD is gone, as the API server's cleanup does)."""
        served = {gk: info for gk, info in builtin_kinds().items()}
        for key in self.store.of_kind(CRD):
            crd = self.store.get(key)
            info = kinds_of_crd(crd) if crd is not None else None
            if info is not None:
                served[info.group_kind] = info
        for group_kind in set(self.kinds) - set(served):
            for key in self.store.of_kind(group_kind):
                self.store.remove(key)
        self.kinds = served

    def served(self) -> dict[GroupKind, ApiResource]:
        return {gk: i.resource for gk, i in self.kinds.items() if gk not in self.hidden}

    def info(self, group_kind: GroupKind, what: str) -> KindInfo:
        info = self.kinds.get(group_kind)
        if info is None or group_kind in self.hidden:
            raise NotFound(
                f"{what}: {group_kind}: kind is not served by {self.host}",
                status=404,
                reason=NOT_SERVED,
            )
        return info

    def normalized(self, key: ResourceKey) -> ResourceKey:
        info = self.kinds.get(key.group_kind)
        if info is not None and not info.resource.namespaced and key.namespace:
            return ResourceKey(key.group, key.kind, "", key.name)
        return key

    def require(self, key: ResourceKey, what: str) -> KubeObject:
        self.info(key.group_kind, what)
        live = self.store.get(self.normalized(key))
        if live is None:
            raise NotFound(f'{what}: {key.kind.lower()}s "{key.name}" not found', status=404)
        return live

    def _check_namespace(self, key: ResourceKey, *, creating: bool) -> None:
        if not key.namespace or not creating:
            return
        namespace = self.store.get(ResourceKey("", "Namespace", "", key.namespace))
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

    def create_stored(self, obj: KubeObject, writer: Writer) -> None:
        key = ResourceKey.of(obj)
        info = self.kinds[key.group_kind]
        self._finish_create(key, info, update_fields(None, obj, writer), dry_run=False)

    def stamp(self) -> str:
        return format_time(self.clock.now())


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
