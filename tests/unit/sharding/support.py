"""Members on one in-memory API server and one fake clock, and the safety check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from gitopsd.config import LeaseTiming
from gitopsd.memory import MemoryCluster
from gitopsd.ports import ClusterPort
from gitopsd.sharding import ShardMember, application_key

NAMESPACE = "gitopsd"
TIMING = LeaseTiming(lease_seconds=10.0, renew_deadline_seconds=7.0, retry_period_seconds=2.0)
KEYS = [application_key("gitopsd", f"app-{i:03d}") for i in range(300)]
START = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


class FakeTime:
    """A monotonic clock the test moves, and a wall clock that always moves a little (a
    real renewTime has microseconds, so every renewal changes the Lease)."""

    def __init__(self) -> None:
        self.seconds = 1000.0
        self._ticks = 0

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> dt.datetime:
        self._ticks += 1
        return START + dt.timedelta(seconds=self.seconds, microseconds=self._ticks)

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


def member(
    store: ClusterPort,
    name: str,
    time: FakeTime,
    *,
    timing: LeaseTiming = TIMING,
    incarnation: str | None = None,
) -> ShardMember:
    return ShardMember(
        store,
        NAMESPACE,
        name,
        timing=timing,
        monotonic=time.monotonic,
        clock=time,
        incarnation=incarnation,
    )


def cluster() -> MemoryCluster:
    store = MemoryCluster()
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    return store


def owners(members: Iterable[ShardMember], key: str) -> list[str]:
    return [m.replica for m in members if m.owns(key)]


def assert_no_key_owned_twice(members: Iterable[ShardMember]) -> None:
    members = list(members)
    for key in KEYS:
        found = owners(members, key)
        assert len(found) <= 1, f"{key} owned by {found}"


def share(m: ShardMember) -> set[str]:
    return {key for key in KEYS if m.owns(key)}


def settle(members: Iterable[ShardMember], time: FakeTime, rounds: int = 6) -> None:
    """Rounds of every member in turn, half a second apart, checking safety throughout."""
    members = list(members)
    for _ in range(rounds):
        for m in members:
            m.step()
            assert_no_key_owned_twice(members)
        time.advance(0.5)
