"""The prune set: which objects of the last inventory to delete, when, and which to keep.

An object is pruned only when it was in the last inventory, is no longer desired, still
exists, and the live object still carries this Application's tracking label *and*
tracking-id annotation. Anything else found there is kept and reported:

- ``skipped`` (never deleted): the Application's AppProject does not permit the object
  (``refused``: its kind, or its namespace, e.g. after the project was tightened), the
  tracking is missing or belongs to someone else, ``Delete=false`` (or ``confirm``), or
  its sync options cannot be read;
- ``requires_pruning`` (kept for now; stays in the inventory and shows as needing a prune):
  ``Prune=false``, pruning disabled for this sync, or ``Prune=confirm`` without an approval
  newer than the moment pruning became necessary.

When: prunes run once every ``Sync`` step is done, before the first ``PostSync`` step;
``PruneLast`` ones (app-level or per object) after the last ``PostSync`` step. Each list
is in deletion order, the reverse of the sync order of :mod:`gitopsd.desired.order`
(a pruned object's wave is read from its live annotation). Argo CD prunes inside the wave
of each pruned object; pruning after the whole Sync phase is simpler to reason about and
never deletes something a later wave still needs while that wave is being applied.

Called by the sync engine (sync and Application deletion) and by status (what needs pruning).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from gitopsd.desired import DesiredSet, parse_wave, sync_order_key, tracking_mismatch
from gitopsd.errors import DesiredSetError
from gitopsd.model.annotations import PRUNE_CONFIRM_ANNOTATION, SYNC_OPTIONS, annotation
from gitopsd.model.keys import ResourceKey
from gitopsd.model.sync_options import NO_OPTIONS, SyncOptions, object_sync_options
from gitopsd.model.vocab import Consent, PropagationPolicy, SyncPhase

_NONE_REFUSED: Mapping[ResourceKey, str] = MappingProxyType({})


@dataclass(frozen=True)
class PruneItem:
    """One object to delete, with the propagation policy for its delete call."""

    key: ResourceKey
    propagation: PropagationPolicy
    wave: int = 0


@dataclass(frozen=True)
class KeptObject:
    """An object that would have been deleted but is kept, and why."""

    key: ResourceKey
    reason: str


@dataclass(frozen=True)
class PrunePlan:
    prune: tuple[PruneItem, ...] = ()  # after the Sync phase, deletion order
    prune_last: tuple[PruneItem, ...] = ()  # after the PostSync phase, deletion order
    requires_pruning: tuple[KeptObject, ...] = ()  # kept for now, stays in the inventory
    skipped: tuple[KeptObject, ...] = ()  # never deleted, leaves the inventory
    confirmation_pending: bool = False  # some Prune=confirm object awaits an approval

    def all_items(self) -> tuple[PruneItem, ...]:
        """Everything to delete, in deletion order (``prune`` then ``prune_last``)."""
        return self.prune + self.prune_last


def may_prune(desired_count: int, allow_empty: bool) -> bool:
    """An empty desired set never prunes unless the Application allows it (``allowEmpty``)."""
    return desired_count > 0 or allow_empty


def confirmed(
    confirmed_at: dt.datetime | None, required_since: dt.datetime | None, now: dt.datetime | None
) -> bool:
    """A ``Prune=confirm`` approval counts only when newer than the need for it.

    ``required_since`` is when the engine first saw the prune was needed (None: it is
    new, so ``now``); ``confirmed_at`` is the Application's ``PRUNE_CONFIRM_ANNOTATION``.
    """
    since = required_since or now
    return confirmed_at is not None and since is not None and confirmed_at > since


def prune_set(
    inventory: Iterable[ResourceKey],
    desired: DesiredSet,
    live: Mapping[ResourceKey, dict[str, Any] | None],
    *,
    app_namespace: str,
    app_name: str,
    app_options: SyncOptions = NO_OPTIONS,
    enabled: bool = True,
    confirmed_at: dt.datetime | None = None,
    required_since: dt.datetime | None = None,
    now: dt.datetime | None = None,
    refused: Mapping[ResourceKey, str] = _NONE_REFUSED,
) -> PrunePlan:
    """What to prune of ``inventory`` now that ``desired`` is the desired set.

    ``live`` maps inventory keys to the live object (None or absent: already gone).
    ``enabled`` is False when this sync does not prune (``prune: false``). ``refused``
    maps the inventory entries the project does not permit to the violation: they are
    never deleted, only reported.
    """
    approved = confirmed(confirmed_at, required_since, now)
    plan = _Collector()
    gone = sorted(set(inventory) - desired.keys())
    for key, obj in _permitted(_ours(gone, live, app_namespace, app_name, plan), refused, plan):
        options = _options(key, obj, app_options, plan)
        if options is None:
            continue
        if options.delete != Consent.ALLOWED:
            plan.skip(key, f"{key}: Delete={options.delete.value}: never deleted")
        elif not enabled:
            plan.keep(key, f"{key}: pruning is disabled for this sync")
        elif options.prune == Consent.NEVER:
            plan.keep(key, f"{key}: Prune=false")
        elif options.prune == Consent.CONFIRM and not approved:
            plan.keep(key, f"{key}: Prune=confirm: waiting for {PRUNE_CONFIRM_ANNOTATION}")
            plan.confirmation_pending = True
        else:
            plan.delete(key, obj, options)
    return plan.result()


def deletion_set(
    inventory: Iterable[ResourceKey],
    live: Mapping[ResourceKey, dict[str, Any] | None],
    *,
    app_namespace: str,
    app_name: str,
    app_options: SyncOptions = NO_OPTIONS,
    refused: Mapping[ResourceKey, str] = _NONE_REFUSED,
) -> PrunePlan:
    """What to delete when the Application itself is deleted with cascade.

    Everything of the inventory that is still ours goes, ``Prune=false`` included, except
    ``Delete=false`` and what the project does not permit (``refused``, reported in
    ``skipped``); all of it in ``prune``, in deletion order.
    """
    plan = _Collector()
    ours = _ours(sorted(set(inventory)), live, app_namespace, app_name, plan)
    for key, obj in _permitted(ours, refused, plan):
        options = _options(key, obj, app_options, plan)
        if options is None:
            continue
        if options.delete != Consent.ALLOWED:
            plan.skip(key, f"{key}: Delete={options.delete.value}: never deleted")
        else:
            plan.delete(key, obj, replace(options, prune_last=False))
    return plan.result()


class _Collector:
    """Accumulates the decisions of one prune computation, then sorts them."""

    def __init__(self) -> None:
        self.now: list[PruneItem] = []
        self.last: list[PruneItem] = []
        self.kept: list[KeptObject] = []
        self.skipped: list[KeptObject] = []
        self.confirmation_pending = False

    def skip(self, key: ResourceKey, reason: str) -> None:
        self.skipped.append(KeptObject(key, reason))

    def keep(self, key: ResourceKey, reason: str) -> None:
        self.kept.append(KeptObject(key, reason))

    def delete(self, key: ResourceKey, obj: dict[str, Any], options: SyncOptions) -> None:
        item = PruneItem(key, options.prune_propagation_policy, _live_wave(obj))
        (self.last if options.prune_last else self.now).append(item)

    def result(self) -> PrunePlan:
        return PrunePlan(
            prune=_deletion_order(self.now),
            prune_last=_deletion_order(self.last),
            requires_pruning=_report_order(self.kept),
            skipped=_report_order(self.skipped),
            confirmation_pending=self.confirmation_pending,
        )


def _permitted(
    objects: Iterable[tuple[ResourceKey, dict[str, Any]]],
    refused: Mapping[ResourceKey, str],
    plan: _Collector,
) -> Iterable[tuple[ResourceKey, dict[str, Any]]]:
    """The objects the project permits; the others are skipped with the project's reason."""
    for key, obj in objects:
        violation = refused.get(key)
        if violation is not None:
            plan.skip(key, f"{key}: not deleted: {violation.removeprefix(f'{key}: ')}")
            continue
        yield key, obj


def _ours(
    keys: Iterable[ResourceKey],
    live: Mapping[ResourceKey, dict[str, Any] | None],
    app_namespace: str,
    app_name: str,
    plan: _Collector,
) -> Iterable[tuple[ResourceKey, dict[str, Any]]]:
    """The keys whose live object exists and carries this Application's tracking."""
    for key in keys:
        obj = live.get(key)
        if obj is None:
            continue
        mismatch = tracking_mismatch(obj, key, app_namespace, app_name)
        if mismatch is not None:
            plan.skip(key, f"{key}: not pruned: {mismatch}")
            continue
        yield key, obj


def _options(
    key: ResourceKey, obj: dict[str, Any], app_options: SyncOptions, plan: _Collector
) -> SyncOptions | None:
    # An unreadable option might have said Prune=false: keep the object rather than guess.
    try:
        own = object_sync_options(annotation(obj, SYNC_OPTIONS), str(key))
    except DesiredSetError as e:
        plan.skip(key, f"{e}; not pruned")
        return None
    return app_options.overridden_by(own)


def _live_wave(obj: dict[str, Any]) -> int:
    try:
        return parse_wave(obj)
    except DesiredSetError:
        return 0  # a live object's bad wave only affects where it goes in the delete order


def _deletion_order(items: list[PruneItem]) -> tuple[PruneItem, ...]:
    ordered = sorted(items, key=lambda item: sync_order_key(SyncPhase.SYNC, item.wave, item.key))
    return tuple(reversed(ordered))


def _report_order(kept: list[KeptObject]) -> tuple[KeptObject, ...]:
    return tuple(sorted(kept, key=lambda k: sync_order_key(SyncPhase.SYNC, 0, k.key)))
