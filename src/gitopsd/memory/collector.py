"""Deletion as the API server and its garbage collector carry it out.

- A delete sets ``deletionTimestamp`` and leaves the object in place while it has
  finalizers; it disappears when the last one is removed. ``Foreground`` adds the
  ``foregroundDeletion`` finalizer, ``Orphan`` the ``orphan`` finalizer.
- The collector then deletes the dependents of a ``Foreground`` deletion (the owner goes
  once they are gone), strips the ownerReference from the dependents of an ``Orphan``
  deletion, and deletes every object whose owners are all gone (``Background``).
- A Namespace is ``Terminating`` until everything in it is gone.

A real collector runs asynchronously; here :func:`collect` is one synchronous step that
``MemoryCluster`` runs after every delete (or, with ``auto_collect=False``, when a test
calls ``collect_garbage``), so a test can observe the in-between states.
"""

from __future__ import annotations

from gitopsd.memory.store import ObjectStore
from gitopsd.model.keys import ResourceKey
from gitopsd.ports import KubeObject

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"
NAMESPACE_FINALIZER = "kubernetes"


def begin_delete(store: ObjectStore, key: ResourceKey, propagation: str, stamp: str) -> bool:
    """Start deleting ``key``; True when the store changed."""
    obj = store.get(key)
    if obj is None or obj["metadata"].get("deletionTimestamp"):
        return False
    meta = obj["metadata"]
    finalizers = list(meta.get("finalizers") or [])
    wanted = {"Foreground": FOREGROUND, "Orphan": ORPHAN}.get(propagation)
    if wanted and wanted not in finalizers:
        finalizers.append(wanted)
    if not finalizers and not _namespace_pending(obj):
        store.remove(key)
        return True
    updated = {**obj, "metadata": {**meta, "deletionTimestamp": stamp}}
    updated["metadata"]["deletionGracePeriodSeconds"] = 0
    if finalizers:
        updated["metadata"]["finalizers"] = finalizers
    if key.kind == "Namespace" and not key.group:
        updated["status"] = {**(obj.get("status") or {}), "phase": "Terminating"}
    store.put(key, updated)
    return True


def release_if_done(store: ObjectStore, key: ResourceKey) -> bool:
    """Remove a deleted object whose finalizers are all gone; True when it was removed."""
    obj = store.get(key)
    if obj is None or not obj["metadata"].get("deletionTimestamp"):
        return False
    if obj["metadata"].get("finalizers") or _namespace_pending(obj):
        return False
    store.remove(key)
    return True


def collect(store: ObjectStore, stamp: str) -> None:
    """Run the collector until nothing more changes."""
    changed = True
    while changed:
        changed = False
        for key, obj in list(store.items()):
            if key not in store:
                continue
            if obj["metadata"].get("deletionTimestamp"):
                changed |= _advance_deletion(store, key, obj, stamp)
            elif _orphaned(store, obj):
                changed |= begin_delete(store, key, "Background", stamp)


def _advance_deletion(store: ObjectStore, key: ResourceKey, obj: KubeObject, stamp: str) -> bool:
    uid = str(obj["metadata"].get("uid", ""))
    finalizers = list(obj["metadata"].get("finalizers") or [])
    changed = own_changed = False
    if ORPHAN in finalizers:
        for dependent in store.dependents(uid):
            _drop_owner(store, dependent, uid)
        finalizers.remove(ORPHAN)
        own_changed = True
    if FOREGROUND in finalizers:
        for dependent in store.dependents(uid):
            changed |= begin_delete(store, dependent, "Foreground", stamp)
        if not store.dependents(uid):
            finalizers.remove(FOREGROUND)
            own_changed = True
    if _namespace_pending(obj):
        for content in store.in_namespace(key.name):
            changed |= begin_delete(store, content, "Background", stamp)
        if not store.in_namespace(key.name):
            obj = {**obj, "spec": {**(obj.get("spec") or {}), "finalizers": []}}
            own_changed = True
    if own_changed:
        meta = {k: v for k, v in obj["metadata"].items() if k != "finalizers"}
        if finalizers:
            meta["finalizers"] = finalizers
        store.put(key, {**obj, "metadata": meta})
        release_if_done(store, key)
    return changed or own_changed


def _orphaned(store: ObjectStore, obj: KubeObject) -> bool:
    refs = [r for r in obj["metadata"].get("ownerReferences") or [] if isinstance(r, dict)]
    return bool(refs) and not any(store.uid_exists(str(r.get("uid", ""))) for r in refs)


def _drop_owner(store: ObjectStore, key: ResourceKey, uid: str) -> None:
    obj = store.get(key)
    if obj is None:
        return
    refs = [r for r in obj["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
    meta = {k: v for k, v in obj["metadata"].items() if k != "ownerReferences"}
    if refs:
        meta["ownerReferences"] = refs
    store.put(key, {**obj, "metadata": meta})


def _namespace_pending(obj: KubeObject) -> bool:
    if obj.get("kind") != "Namespace" or obj.get("apiVersion") != "v1":
        return False
    return NAMESPACE_FINALIZER in ((obj.get("spec") or {}).get("finalizers") or [])
