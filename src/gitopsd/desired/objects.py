"""The desired set's data: one ``DesiredObject`` per object to sync, grouped in a ``DesiredSet``.

Built by ``gitopsd.desired.building``; read by the diff, the plan and the apply stages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitopsd.model.keys import ResourceKey
from gitopsd.model.sync_options import SyncOptions
from gitopsd.model.vocab import HookDeletePolicy, HookType, SyncPhase


@dataclass(frozen=True)
class DesiredObject:
    """One object as gitopsd will apply it.

    ``obj`` carries the defaulted namespace, the tracking label and the tracking-id
    annotation; it is a private deep copy of the rendered object. ``sync_options`` and
    ``compare_options`` are the object's own annotations, parsed (the sync stages stack
    the former over the application's with ``SyncOptions.overridden_by``). ``namespaced``
    is the kind's scope from discovery or from a CRD in the same set; ``unknown_kind``
    marks a kind that is neither served by the cluster nor defined by a CRD in the same
    set, whose scope is therefore a guess: such an object is never checked against a
    project nor applied.
    """

    key: ResourceKey
    obj: dict[str, Any] = field(hash=False)
    wave: int
    hook: HookType | None
    hook_delete_policies: frozenset[HookDeletePolicy]
    sync_options: SyncOptions = field(hash=False)
    compare_options: Mapping[str, str] = field(hash=False)
    namespaced: bool
    unknown_kind: bool = False

    @property
    def phase(self) -> SyncPhase:
        """The phase this object runs in: its hook type, or ``Sync`` for a resource."""
        return SyncPhase(self.hook.value) if self.hook is not None else SyncPhase.SYNC

    @property
    def is_hook(self) -> bool:
        return self.hook is not None


@dataclass(frozen=True)
class DesiredSet:
    """Everything one Application wants in the cluster, in sync order.

    ``resources`` are the regular objects (the inventory); ``hooks`` are created per sync
    and are never part of the inventory. A hook that names several phases appears once
    per phase.
    """

    resources: tuple[DesiredObject, ...]
    hooks: tuple[DesiredObject, ...]
    _by_key: Mapping[ResourceKey, DesiredObject] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        # An index, so lookups stay cheap for applications with thousands of objects.
        object.__setattr__(self, "_by_key", {item.key: item for item in self.resources})

    def keys(self) -> frozenset[ResourceKey]:
        """The keys of the regular resources: the inventory after a successful sync."""
        return frozenset(item.key for item in self.resources)

    def get(self, key: ResourceKey) -> DesiredObject | None:
        """The regular resource with ``key``, or None (hooks are not looked up here)."""
        return self._by_key.get(key)

    def all_objects(self) -> tuple[DesiredObject, ...]:
        """Resources and hooks, in that order: everything a sync may write."""
        return self.resources + self.hooks

    def unknown_kinds(self) -> tuple[DesiredObject, ...]:
        """Objects whose kind neither the cluster serves nor a CRD in the set defines."""
        return tuple(item for item in self.all_objects() if item.unknown_kind)
