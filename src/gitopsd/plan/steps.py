"""The sync plan: the desired set cut into steps, one per (phase, wave) group.

The order is the one written down in :mod:`gitopsd.desired.order` (phase, wave, kind,
name); a step is one consecutive (phase, wave) group of it. Regular resources are in the
``Sync`` phase; hooks run in their own phase and wave. ``SyncFail`` hooks are planned
separately, by :func:`sync_fail_steps`, and run only after the operation failed.

Prunes are not steps: ``gitopsd.plan.pruning`` orders them, and the engine runs them
after the last ``Sync`` step is done and before the first ``PostSync`` step (``PruneLast``
ones after the last ``PostSync`` step).

Called by the sync engine once per pass; :mod:`gitopsd.plan.progress` picks the step to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from gitopsd.desired import DesiredObject, DesiredSet, sync_order_key
from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import SyncPhase


@dataclass(frozen=True)
class Step:
    """One (phase, wave) group.

    ``apply`` holds every regular object of the group, out of sync or not: the apply stage
    skips unchanged ones, or leaves in-sync ones alone under ``ApplyOutOfSyncOnly``.
    ``hooks`` are the hooks to create. ``wait`` is everything that must be synced and
    healthy (objects) or have succeeded (hooks) before the next step may start.
    """

    phase: SyncPhase
    wave: int
    apply: tuple[DesiredObject, ...]
    hooks: tuple[DesiredObject, ...]
    wait: tuple[ResourceKey, ...]

    def __str__(self) -> str:
        return f"{self.phase.value} wave {self.wave}"

    @property
    def members(self) -> tuple[DesiredObject, ...]:
        """Objects and hooks of this step together, in sync order."""
        return tuple(
            sorted((*self.apply, *self.hooks), key=lambda i: sync_order_key(i.phase, i.wave, i.key))
        )


def plan_steps(desired: DesiredSet) -> tuple[Step, ...]:
    """The whole plan of a sync, in order, without ``SyncFail`` hooks."""
    items = [
        item for item in (*desired.resources, *desired.hooks) if item.phase != SyncPhase.SYNC_FAIL
    ]
    return _group(items)


def sync_fail_steps(desired: DesiredSet) -> tuple[Step, ...]:
    """The ``SyncFail`` hooks' steps, run (in wave order) once an operation has failed."""
    return _group([item for item in desired.hooks if item.phase == SyncPhase.SYNC_FAIL])


def _group(items: list[DesiredObject]) -> tuple[Step, ...]:
    items.sort(key=lambda item: sync_order_key(item.phase, item.wave, item.key))
    steps = []
    for (phase, wave), group in groupby(items, key=lambda item: (item.phase, item.wave)):
        members = tuple(group)
        steps.append(
            Step(
                phase=phase,
                wave=wave,
                apply=tuple(item for item in members if not item.is_hook),
                hooks=tuple(item for item in members if item.is_hook),
                wait=tuple(item.key for item in members),
            )
        )
    return tuple(steps)
