"""``ShardMember``: one replica's side of the membership protocol (docs/architecture.md,
"Sharding").

Each round (:meth:`ShardMember.step`, called by :mod:`gitopsd.sharding.loop`):

1. if the view to publish differs from the published one, narrow what this replica acts
   on to the keys both views give it, waiting for writes already under way;
2. renew the Lease with that view (a PUT guarded by resourceVersion), noting on the
   monotonic clock when the request was sent;
3. list every member Lease; a Lease counts as changed when its resourceVersion did, and a
   member is live until this replica has seen no change to its Lease for the Lease's
   ``leaseDurationSeconds`` (or at once when it released it);
4. act on the keys that the published view and the view of every other live member all
   give to this replica; the next view to publish is the live member set.

Acting stops when no renewal was sent within the renew deadline (shorter than the lease
duration), whatever else happens, and :meth:`writing` checks it right before each write.
Only the membership thread calls ``step`` and ``leave``; ``owns``, ``assigned`` and
``writing`` are safe from any thread.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from gitopsd.config import LeaseTiming
from gitopsd.errors import ClusterError, Conflict, Fenced, NotFound
from gitopsd.ports import Clock, ClusterPort, SystemClock
from gitopsd.sharding.hashing import View, make_view
from gitopsd.sharding.leases import (
    LEASE,
    MEMBER_SELECTOR,
    MemberRecord,
    lease_body,
    lease_key,
    lease_name,
    parse_lease,
)
from gitopsd.sharding.ownership import Ownership
from gitopsd.sharding.rwlock import RWLock

log = logging.getLogger(__name__)

OnChange = Callable[[Ownership, Ownership], None]  # (before, after)
# While something is being handed over, rounds come this often (at most).
SHORT_ROUND_SECONDS = 0.25
# Other members' Leases unchanged this long (and at least GC_AFTER_LEASES lease durations),
# released or not, are deleted: replica ids are Pod names, which change with every rollout.
GC_AFTER_SECONDS = 300.0
GC_AFTER_LEASES = 10


@dataclass
class Observation:
    """Another member's Lease as last seen, and when it last changed on our clock."""

    record: MemberRecord
    changed_at: float


class ShardMember:
    def __init__(
        self,
        store: ClusterPort,
        namespace: str,
        replica: str,
        *,
        timing: LeaseTiming,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Clock | None = None,
        incarnation: str | None = None,
        on_change: OnChange | None = None,
    ) -> None:
        self.store = store
        self.namespace = namespace
        self.replica = replica
        self.timing = timing
        self.incarnation = incarnation or secrets.token_hex(8)
        self._monotonic = monotonic
        self._clock = clock or SystemClock()
        self._on_change = on_change
        self._observed: dict[str, Observation] = {}
        self._own: MemberRecord | None = None  # my Lease as last written (or adopted)
        self._published: View | None = None  # the view my Lease carries
        self._target: View | None = None  # the view to publish next
        self._ownership = Ownership.nothing(replica)
        self._rw = RWLock()
        self._round = threading.Lock()
        self._left = False
        self._contest = ""  # why our Lease is not ours to write yet (logged on change)
        self.rounds = 0

    # --- questions, from any thread ------------------------------------------------
    @property
    def ownership(self) -> Ownership:
        return self._ownership

    def owns(self, key: str) -> bool:
        """Whether this replica may act on ``key`` right now."""
        return self._ownership.owns(key, self._monotonic(), self.timing.renew_deadline_seconds)

    def assigned(self, key: str) -> bool:
        """Whether the current snapshot gives ``key`` to this replica, even if the Lease
        is late (the replica then waits instead of forgetting the key)."""
        return self._ownership.assigns(key)

    @contextmanager
    def writing(self, key: str) -> Iterator[None]:
        """Hold off ownership changes while one write for ``key`` is made; ``Fenced`` when
        this replica may not act on ``key`` now."""
        with self._rw.shared():
            if not self.owns(key):
                raise Fenced(f"{key}: not written: replica {self.replica} does not own it now")
            yield

    def live_members(self) -> View:
        now = self._monotonic()
        others = (o.record.member for o in self._observed.values() if self._live(o, now))
        return make_view((self.replica, *others))

    # --- the protocol, from the membership thread ------------------------------------
    def set_timing(self, timing: LeaseTiming) -> None:
        """New Lease times: a shorter renew deadline applies at once, a longer one from
        the next renewal (which publishes the matching lease duration)."""
        self.timing = timing

    def step(self) -> float:
        """One round; returns how long to wait before the next."""
        with self._round:
            if self._left:
                return self.timing.retry_period_seconds
            self.rounds += 1
            return self._step()

    def leave(self, drain_seconds: float = 5.0) -> None:
        """Stop acting (after writes under way finish) and release the Lease, so the
        others take this replica's share without waiting for it to expire."""
        with self._round:
            self._left = True
            if not self._install(Ownership.nothing(self.replica), timeout=drain_seconds):
                log.warning("sharding: writes still under way; leaving without releasing")
                return
            if self._own is None:
                return
            try:
                self._write(None, self.timing)
            except ClusterError as error:
                log.warning("sharding: releasing the Lease failed: %s", error)
                return
            log.info("sharding: %s left and released its Lease", self.replica)

    def _step(self) -> float:
        timing = self.timing
        if self._own is None:  # first round, a Lease under our name held by another, or lost
            if not self._read():
                return timing.retry_period_seconds
            contested = self._contested()
            if contested != self._contest:
                self._contest = contested
                if contested:
                    log.warning("sharding: %s", contested)
            if contested:
                return self._next_round(pending=True)
            if self._target is None:
                self._target = self.live_members()
        # Publish, read, act; once more at once when the read changed the live members,
        # so a change is published in the round that noticed it.
        for _ in range(2):
            view = self._target or self.live_members()
            if view != self._published and not self._narrow(view):
                view = self._published or view  # writes still under way: keep the old view
            sent = self._monotonic()
            if not self._publish(view, timing):
                return self._next_round(pending=True)
            if not self._read():
                return SHORT_ROUND_SECONDS
            now = self._monotonic()
            live = [o for o in self._observed.values() if self._live(o, now)]
            views = (view, *(o.record.view or () for o in live))
            after = Ownership(self.replica, views, sent, timing.renew_deadline_seconds)
            self._install(after, timeout=timing.renew_deadline_seconds / 2)
            self._target = make_view((self.replica, *(o.record.member for o in live)))
            if self._target == view:
                break
        pending = self._target != view or any(o.record.view != view for o in live)
        return self._next_round(pending=pending)

    def _next_round(self, *, pending: bool) -> float:
        """The retry period, shorter while a handover is under way, and no later than
        the moment the next live member would expire."""
        wait = self.timing.retry_period_seconds
        if pending:
            wait = min(wait, SHORT_ROUND_SECONDS)
        now = self._monotonic()
        for observation in self._observed.values():
            if self._live(observation, now):
                expires = observation.changed_at + self._duration(observation.record)
                wait = min(wait, max(expires - now, 0.0) + 0.05)
        return wait

    # --- reading ------------------------------------------------------------------
    def _read(self) -> bool:
        try:
            items = self.store.list(LEASE, namespace=self.namespace, label_selector=MEMBER_SELECTOR)
        except ClusterError as error:
            log.warning("sharding: listing member Leases failed: %s", error)
            return False
        now = self._monotonic()
        seen = set()
        for item in items:
            record = parse_lease(item)
            if not record.well_formed:
                continue
            seen.add(record.name)
            before = self._observed.get(record.name)
            if before is None or before.record.version != record.version:
                self._observed[record.name] = Observation(record, now)
        self._collect(now, seen)
        return True

    def _live(self, observation: Observation, now: float) -> bool:
        record = observation.record
        if record.released or record.name == lease_name(self.replica):
            return False
        return now - observation.changed_at < self._duration(record)

    def _duration(self, record: MemberRecord) -> float:
        # A Lease without a readable duration is given the longest one we know.
        return record.lease_seconds or max(self.timing.lease_seconds, 15.0)

    def _contested(self) -> str:
        """Why this replica's Lease is not ours to write, or "" when it is: a Lease under
        our name held by another process is taken only once it expired by observation."""
        if self._own is not None:
            return ""
        observation = self._observed.get(lease_name(self.replica))
        if observation is None:
            return ""
        record = observation.record
        if record.released or record.incarnation == self.incarnation:
            return ""
        now = self._monotonic()
        if now - observation.changed_at >= self._duration(record):
            return ""
        return (
            f"the Lease {record.name} is held by another process (incarnation "
            f"{record.incarnation or 'unknown'}); waiting until it expires"
        )

    def _collect(self, now: float, seen: set[str]) -> None:
        """Forget, and delete, Leases released or long unchanged (never our own)."""
        own = lease_name(self.replica)
        for name, observation in list(self._observed.items()):
            if name == own:
                continue
            quiet = now - observation.changed_at
            if quiet < max(GC_AFTER_SECONDS, GC_AFTER_LEASES * self._duration(observation.record)):
                continue
            del self._observed[name]
            if name in seen:
                try:
                    self.store.delete(
                        lease_key(self.namespace, name.removeprefix(lease_name(""))),
                        propagation="Background",
                    )
                except ClusterError as error:
                    log.debug("sharding: deleting the stale Lease %s failed: %s", name, error)

    # --- writing ------------------------------------------------------------------
    def _publish(self, view: View, timing: LeaseTiming) -> bool:
        """Renew the Lease carrying ``view``; False when that did not certainly happen."""
        try:
            self._write(view, timing)
        except Conflict:
            return self._after_conflict(view, timing)
        except ClusterError as error:
            # The write may or may not have landed: keep what both views allow (the
            # snapshot is already narrowed) and try again.
            log.warning("sharding: renewing the Lease failed: %s", error)
            return False
        self._published = view
        return True

    def _after_conflict(self, view: View, timing: LeaseTiming) -> bool:
        """Someone wrote our Lease since we did. If it still carries our incarnation it was
        our own write whose answer was lost: adopt it and renew again. Otherwise stop
        acting at once and start over."""
        try:
            current = self.store.get(lease_key(self.namespace, self.replica))
        except ClusterError as error:
            log.warning("sharding: reading our Lease after a conflict failed: %s", error)
            return False
        record = parse_lease(current) if current is not None else None
        if record is not None and record.incarnation == self.incarnation and not record.released:
            self._own = record
            try:
                self._write(view, timing)
            except ClusterError as error:
                log.warning("sharding: renewing the Lease failed again: %s", error)
                return False
            self._published = view
            return True
        log.warning("sharding: our Lease was written by someone else; stopping and starting over")
        self._install(Ownership.nothing(self.replica), timeout=None)
        self._own = self._published = self._target = None
        return False

    def _write(self, view: View | None, timing: LeaseTiming) -> None:
        body = lease_body(
            self.namespace,
            self.replica,
            incarnation=self.incarnation,
            view=view,
            lease_seconds=timing.lease_seconds,
            now=self._clock.now(),
            previous=self._own or self._contested_record(),
        )
        try:
            if "resourceVersion" in body["metadata"]:
                written = self.store.replace(body)
            else:
                written = self.store.create(body)
        except NotFound:
            body["metadata"].pop("resourceVersion", None)  # deleted meanwhile: create it
            written = self.store.create(body)
        self._own = parse_lease(written)

    def _contested_record(self) -> MemberRecord | None:
        """The Lease under our name as last read (written over with its resourceVersion,
        so a holder that renewed meanwhile makes the write fail)."""
        observation = self._observed.get(lease_name(self.replica))
        return observation.record if observation is not None else None

    # --- ownership ----------------------------------------------------------------
    def _narrow(self, view: View) -> bool:
        """Before publishing ``view``: act only on keys it gives us too."""
        drain = self.timing.renew_deadline_seconds / 2
        return self._install(self._ownership.narrowed(view), timeout=drain)

    def _install(self, ownership: Ownership, *, timeout: float | None) -> bool:
        if not self._rw.acquire_exclusive(timeout):
            log.warning("sharding: a write is still under way; ownership unchanged this round")
            return False
        before = self._ownership
        try:
            self._ownership = ownership.carrying_answers_of(before)
        finally:
            self._rw.release_exclusive()
        if not before.same_assignment(ownership):
            log.info(
                "sharding: %s acts on view %s (acknowledged by %d other member(s))",
                self.replica,
                ",".join(ownership.members) or "-",
                max(len(ownership.views) - 1, 0),
            )
            if self._on_change is not None:
                self._on_change(before, ownership)
        return True
