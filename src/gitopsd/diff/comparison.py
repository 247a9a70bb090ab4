"""What a comparison of the desired set with the live state found, as data.

One :class:`ObjectComparison` per desired object (and per inventory object Git no longer
has), and the :class:`Comparison` of a whole Application: sync status and aggregated
health. Pure data and pure functions: the sync engine produces it (``sync/compare.py``
runs the dry runs), and status, the plan's progress, events and ``gitopsd app diff`` read
it, so none of them needs the engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gitopsd.desired import DesiredObject
from gitopsd.diff.compare import ObjectDiff
from gitopsd.health import Health, aggregate
from gitopsd.model.keys import ResourceKey
from gitopsd.model.tracking import any_tracking_id_of
from gitopsd.model.vocab import SyncStatus


@dataclass(frozen=True)
class ObjectComparison:
    key: ResourceKey
    desired: DesiredObject | None
    live: dict[str, Any] | None
    diff: ObjectDiff | None
    in_sync: bool
    health: Health | None
    requires_pruning: bool = False
    error: str = ""


@dataclass(frozen=True)
class Comparison:
    objects: tuple[ObjectComparison, ...]
    sync_status: SyncStatus
    health: Health
    _by_key: dict[ResourceKey, ObjectComparison] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        # An index for get(); the first entry for a key wins.
        index = {o.key: o for o in reversed(self.objects)}
        object.__setattr__(self, "_by_key", index)

    @classmethod
    def of(cls, objects: Iterable[ObjectComparison]) -> Comparison:
        """OutOfSync when any object is; health is the worst of the desired objects'."""
        ordered = tuple(objects)
        out_of_sync = any(not o.in_sync for o in ordered)
        return cls(
            objects=ordered,
            sync_status=SyncStatus.OUT_OF_SYNC if out_of_sync else SyncStatus.SYNCED,
            health=aggregate(o.health for o in ordered if o.desired is not None),
        )

    def get(self, key: ResourceKey) -> ObjectComparison | None:
        return self._by_key.get(key)

    @property
    def out_of_sync(self) -> tuple[ObjectComparison, ...]:
        return tuple(o for o in self.objects if not o.in_sync)


def shared_resources(
    comparison: Comparison, app_namespace: str, app_name: str
) -> frozenset[ResourceKey]:
    """Desired objects whose live tracking-id (either tool's) names another application."""
    ours = f"{app_namespace}_{app_name}:"
    shared = set()
    for item in comparison.objects:
        if item.desired is None or item.live is None:
            continue
        tracking = any_tracking_id_of(item.live)
        if tracking and not tracking.startswith(ours):
            shared.add(item.key)
    return frozenset(shared)
