"""The objects of a ``MemoryCluster``, with the counters an API server keeps for them.

``resourceVersion`` is one counter for the whole store, as etcd's revision is: every
stored change takes the next value, so versions are unique and increase. ``uid`` values
are deterministic (a counter), so test output is the same from run to run. The store
does no locking; ``MemoryCluster`` holds its lock around every call.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import KubeObject


class ObjectStore:
    def __init__(self) -> None:
        self._objects: dict[ResourceKey, KubeObject] = {}
        self._revision = 0
        self._uids = 0

    # --- counters -------------------------------------------------------------------
    def next_uid(self) -> str:
        self._uids += 1
        return f"00000000-0000-4000-8000-{self._uids:012d}"

    @property
    def revision(self) -> str:
        return str(self._revision)

    # --- objects --------------------------------------------------------------------
    def get(self, key: ResourceKey) -> KubeObject | None:
        """The stored object itself (callers copy before handing it out)."""
        return self._objects.get(key)

    def put(self, key: ResourceKey, obj: KubeObject) -> KubeObject:
        """Store a copy of ``obj`` under the next resourceVersion; return the stored copy."""
        self._revision += 1
        stored = copy.deepcopy(obj)
        stored.setdefault("metadata", {})["resourceVersion"] = str(self._revision)
        self._objects[key] = stored
        return stored

    def remove(self, key: ResourceKey) -> None:
        if self._objects.pop(key, None) is not None:
            self._revision += 1

    def __contains__(self, key: object) -> bool:
        return key in self._objects

    def sorted_keys(self) -> list[ResourceKey]:
        return sorted(self._objects)

    def items(self) -> Iterator[tuple[ResourceKey, KubeObject]]:
        yield from sorted(self._objects.items(), key=lambda pair: pair[0])

    def of_kind(self, group_kind: GroupKind) -> list[ResourceKey]:
        return sorted(k for k in self._objects if k.group_kind == group_kind)

    def in_namespace(self, namespace: str) -> list[ResourceKey]:
        return sorted(k for k in self._objects if k.namespace == namespace)

    def uid_exists(self, uid: str) -> bool:
        return any(_uid(obj) == uid for obj in self._objects.values())

    def dependents(self, uid: str) -> list[ResourceKey]:
        """Objects with an ownerReference to ``uid``."""
        return sorted(
            key
            for key, obj in self._objects.items()
            if any(ref.get("uid") == uid for ref in _owner_refs(obj))
        )


def _uid(obj: KubeObject) -> str:
    return str((obj.get("metadata") or {}).get("uid", ""))


def _owner_refs(obj: KubeObject) -> list[dict[str, object]]:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [ref for ref in refs if isinstance(ref, dict)]
