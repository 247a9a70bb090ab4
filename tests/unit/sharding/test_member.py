"""The membership protocol on an in-memory API server and a fake clock: members share the
keys completely and disjointly, hand over only after every live member acknowledged or
the previous owner's Lease expired by observation, and stop acting at their renew
deadline, also when paused past their lease."""

from __future__ import annotations

import threading

import pytest

from gitopsd.config import LeaseTiming
from gitopsd.errors import Fenced
from gitopsd.memory import Fault, FaultKind, Verb
from gitopsd.model.keys import GroupKind
from gitopsd.sharding import lease_key, make_view, owner
from gitopsd.sharding.leases import VIEW_ANNOTATION, parse_lease
from tests.unit.sharding.support import (
    KEYS,
    NAMESPACE,
    TIMING,
    FakeTime,
    assert_no_key_owned_twice,
    cluster,
    member,
    settle,
    share,
)

LEASE = GroupKind("coordination.k8s.io", "Lease")


def test_a_single_member_owns_everything_after_one_round() -> None:
    store, time = cluster(), FakeTime()
    alone = member(store, "a", time)
    assert share(alone) == set()
    alone.step()
    assert share(alone) == set(KEYS)
    lease = parse_lease(store.get(lease_key(NAMESPACE, "a")) or {})
    assert (lease.member, lease.view, lease.lease_seconds) == ("a", ("a",), 10.0)


def test_three_members_share_every_key_exactly_once() -> None:
    store, time = cluster(), FakeTime()
    members = [member(store, name, time) for name in ("a", "b", "c")]
    settle(members, time)
    shares = [share(m) for m in members]
    assert set().union(*shares) == set(KEYS)
    assert sum(len(s) for s in shares) == len(KEYS)
    view = ("a", "b", "c")
    for m, owned in zip(members, shares, strict=True):
        assert owned == {key for key in KEYS if owner(key, view) == m.replica}
        assert len(owned) > len(KEYS) / 5


def test_a_joining_member_waits_for_every_acknowledgement() -> None:
    store, time = cluster(), FakeTime()
    a, b = member(store, "a", time), member(store, "b", time)
    settle([a, b], time)
    c = member(store, "c", time)
    c.step()  # published {a,b,c}; a and b still act on {a,b}
    assert share(c) == set()
    a.step()  # a now acknowledges {a,b,c}; b does not yet
    assert share(c) == set()
    assert_no_key_owned_twice([a, b, c])
    b.step()
    c.step()
    expected = {key for key in KEYS if owner(key, ("a", "b", "c")) == "c"}
    assert share(c) == expected
    assert_no_key_owned_twice([a, b, c])
    # Only c's keys moved.
    assert share(a) | share(b) == set(KEYS) - expected


def test_a_dead_member_s_keys_move_only_after_its_lease_expired_by_observation() -> None:
    store, time = cluster(), FakeTime()
    a, b = member(store, "a", time), member(store, "b", time)
    settle([a, b], time)
    b_keys = share(b)
    # b dies. Until a has seen b's Lease unchanged for 10 s, a does not take b's keys.
    for _ in range(19):
        time.advance(0.5)
        a.step()
        assert not share(a) & b_keys
    time.advance(1.0)
    a.step()  # b expired: a publishes {a} and acts on everything
    a.step()
    assert share(a) == set(KEYS)


def test_a_paused_member_stops_at_its_renew_deadline_and_asks_again_after() -> None:
    store, time = cluster(), FakeTime()
    a, b = member(store, "a", time), member(store, "b", time)
    settle([a, b], time)
    b_keys = share(b)
    # b is frozen (SIGSTOP): no rounds. At 7 s after its last renewal it owns nothing.
    time.advance(6.0)
    assert share(b) == b_keys
    time.advance(1.5)
    assert share(b) == set()
    # a takes over once b's Lease expired by its observation (a was frozen too until now,
    # so it sees b's last renewal only now, and waits 10 s from here).
    for _ in range(19):
        time.advance(0.5)
        a.step()
        assert_no_key_owned_twice([a, b])
        assert not share(a) & b_keys
    time.advance(1.0)
    a.step()
    assert share(a) == set(KEYS)
    # b resumes: it renews, reads a's view {a} and owns nothing until a acknowledges b.
    b.step()
    assert share(b) == set()
    assert_no_key_owned_twice([a, b])
    a.step()  # a sees b again: publishes {a,b}, giving b's keys back
    assert_no_key_owned_twice([a, b])
    b.step()
    assert share(b) == b_keys
    assert share(a) == set(KEYS) - b_keys


def test_the_renew_deadline_holds_while_renewals_fail() -> None:
    store, time = cluster(), FakeTime()
    alone = member(store, "a", time)
    alone.step()
    store.inject(Fault(FaultKind.UNAVAILABLE, verb=Verb.REPLACE, times=None))
    for _ in range(6):
        time.advance(1.0)
        alone.step()
        assert share(alone) == set(KEYS)  # 6 s after the last renewal: still acting
    time.advance(1.0)
    assert share(alone) == set()
    store.clear_faults()
    alone.step()
    assert share(alone) == set(KEYS)


def test_a_member_that_leaves_hands_over_at_once() -> None:
    store, time = cluster(), FakeTime()
    a, b = member(store, "a", time), member(store, "b", time)
    settle([a, b], time)
    b.leave()
    assert share(b) == set()
    assert parse_lease(store.get(lease_key(NAMESPACE, "b")) or {}).released
    a.step()
    a.step()
    assert share(a) == set(KEYS)  # no waiting for b's lease to expire


def test_a_second_process_under_the_same_id_waits_for_the_first_to_expire() -> None:
    store, time = cluster(), FakeTime()
    first = member(store, "a", time, incarnation="first")
    first.step()
    second = member(store, "a", time, incarnation="second")
    for _ in range(8):
        time.advance(1.0)
        first.step()
        second.step()
        assert share(second) == set()
        assert share(first) == set(KEYS)
    # The first stops renewing: 10 s later the second takes the Lease.
    for _ in range(12):
        time.advance(1.0)
        second.step()
        assert_no_key_owned_twice([first, second])
    assert share(second) == set(KEYS)
    assert parse_lease(store.get(lease_key(NAMESPACE, "a")) or {}).incarnation == "second"
    # The first comes back: its renewal conflicts and it stops for good.
    first.step()
    assert share(first) == set()


def test_a_lease_written_by_someone_else_stops_the_member() -> None:
    store, time = cluster(), FakeTime()
    a = member(store, "a", time)
    a.step()
    key = lease_key(NAMESPACE, "a")
    lease = store.get(key) or {}
    lease["metadata"]["annotations"][VIEW_ANNOTATION] = "a,z"
    lease["metadata"]["annotations"]["gitopsd.io/shard-incarnation"] = "intruder"
    store.replace(lease)
    time.advance(2.0)
    a.step()
    assert share(a) == set()


def test_writes_are_fenced_and_a_handover_waits_for_writes_under_way() -> None:
    store, time = cluster(), FakeTime()
    a, b = member(store, "a", time), member(store, "b", time)
    a.step()
    key = KEYS[0]
    moving = next(k for k in KEYS if owner(k, ("a", "b")) == "b")
    with a.writing(moving):
        pass  # a owns everything while alone
    writing = threading.Event()
    finish = threading.Event()

    def slow_write() -> None:
        with a.writing(moving):
            writing.set()
            finish.wait(5)

    thread = threading.Thread(target=slow_write)
    thread.start()
    writing.wait(5)
    b.step()
    narrowed = threading.Thread(target=a.step)  # a must narrow before publishing {a,b}
    narrowed.start()
    narrowed.join(0.3)
    assert narrowed.is_alive()  # waiting for the write under way
    finish.set()
    thread.join(5)
    narrowed.join(5)
    assert not a.owns(moving)
    with pytest.raises(Fenced), a.writing(moving):
        pass
    if owner(key, ("a", "b")) == "a":
        with a.writing(key):
            pass


def test_a_shorter_renew_deadline_applies_at_once() -> None:
    store, time = cluster(), FakeTime()
    alone = member(store, "a", time)
    alone.step()
    time.advance(4.0)
    assert share(alone) == set(KEYS)
    alone.set_timing(LeaseTiming(6.0, 3.0, 1.0))
    assert share(alone) == set()
    alone.step()
    assert share(alone) == set(KEYS)
    assert parse_lease(store.get(lease_key(NAMESPACE, "a")) or {}).lease_seconds == 6.0


def test_leases_of_members_gone_long_ago_are_deleted() -> None:
    store, time = cluster(), FakeTime()
    a, b = member(store, "a", time), member(store, "b", time)
    settle([a, b], time)
    b.leave()
    for _ in range(160):
        time.advance(2.0)
        a.step()
    names = [lease["metadata"]["name"] for lease in store.list(LEASE, namespace=NAMESPACE)]
    assert names == ["gitopsd-controller-a"]
    assert share(a) == set(KEYS)


def test_a_member_never_acts_on_a_view_it_has_not_published() -> None:
    store, time = cluster(), FakeTime()
    members = [member(store, name, time) for name in ("a", "b", "c")]
    settle(members, time)
    for m in members:
        lease = parse_lease(store.get(lease_key(NAMESPACE, m.replica)) or {})
        assert lease.view == make_view(["a", "b", "c"])
        assert m.ownership.members == lease.view
    assert TIMING.problems() == []
