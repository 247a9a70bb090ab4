"""The membership protocol under random interleavings of single API calls.

Each member runs its rounds in its own thread against one in-memory API server, but
every call it makes waits for the test's scheduler, which lets one call through at a
time, in a random order, moves the clock at random, freezes members (a SIGSTOP: no
calls, the clock goes on) and kills some for good. After every single call no key may
be owned by two members; at the end the survivors must own every key exactly once.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from typing import Any

import pytest

from gitopsd.memory import MemoryCluster
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import ApiResource, KubeObject
from gitopsd.sharding import ShardMember
from tests.unit.sharding.support import KEYS, FakeTime, cluster, member

SAMPLE = KEYS[::5]
STEPS = 400


class Scheduler:
    """Lets one store call through at a time, for the member the test names."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.waiting: set[str] = set()
        self.go: str | None = None
        self.stopped = False

    def enter(self, name: str) -> None:
        with self.cond:
            self.waiting.add(name)
            self.cond.notify_all()
            while self.go != name:
                if self.stopped:
                    self.waiting.discard(name)
                    raise SystemExit  # ends the member's thread
                self.cond.wait()
            self.go = None
            self.waiting.discard(name)

    def release(self, name: str) -> None:
        """Let ``name``'s pending call run; return once it waits for its next call."""
        with self.cond:
            self.go = name
            self.cond.notify_all()
            ok = self.cond.wait_for(lambda: self.go is None and name in self.waiting, timeout=10)
            assert ok, f"{name} did not come back"

    def wait_for(self, names: set[str]) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: names <= self.waiting, timeout=10)

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify_all()


class ScheduledStore:
    """One member's view of the API server: each call waits for its turn."""

    def __init__(self, inner: MemoryCluster, scheduler: Scheduler, name: str) -> None:
        self.inner, self.scheduler, self.name = inner, scheduler, name

    def _turn(self) -> None:
        self.scheduler.enter(self.name)

    def server_version(self) -> str:
        return self.inner.server_version()

    def resources(self, *, refresh: bool = False) -> Mapping[GroupKind, ApiResource]:
        return self.inner.resources(refresh=refresh)

    def get(self, key: ResourceKey) -> KubeObject | None:
        self._turn()
        return self.inner.get(key)

    def list(self, group_kind: GroupKind, **kwargs: Any) -> list[KubeObject]:
        self._turn()
        return self.inner.list(group_kind, **kwargs)

    def apply(self, obj: KubeObject, **kwargs: Any) -> KubeObject:
        self._turn()
        return self.inner.apply(obj, **kwargs)

    def create(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        self._turn()
        return self.inner.create(obj, dry_run=dry_run)

    def replace(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        self._turn()
        return self.inner.replace(obj, dry_run=dry_run)

    def delete(self, key: ResourceKey, **kwargs: Any) -> None:
        self._turn()
        self.inner.delete(key, **kwargs)

    def merge_patch(self, key: ResourceKey, patch: KubeObject) -> KubeObject:
        self._turn()
        return self.inner.merge_patch(key, patch)


def run_rounds(m: ShardMember) -> None:
    try:
        while True:
            m.step()
    except SystemExit:
        return


def owners(members: list[ShardMember], key: str) -> list[str]:
    return [m.replica for m in members if m.owns(key)]


def assert_owned_at_most_once(members: list[ShardMember], seed: int) -> None:
    for key in SAMPLE:
        found = owners(members, key)
        assert len(found) <= 1, f"seed {seed}: {key} owned by {found}"


def random_action(
    rng: random.Random,
    time: FakeTime,
    scheduler: Scheduler,
    names: list[str],
    frozen: set[str],
    dead: set[str],
) -> None:
    """Move the clock, kill one member, freeze or thaw one, or let one make a call."""
    roll = rng.random()
    if roll < 0.25:
        time.advance(rng.choice([0.1, 0.3, 0.7, 1.5, 4.0]))
    elif roll < 0.28 and not dead:
        dead.add(rng.choice(names))
    elif roll < 0.33:
        frozen.symmetric_difference_update({rng.choice(names)})
    else:
        runnable = [n for n in names if n not in frozen and n not in dead]
        if runnable:
            scheduler.release(rng.choice(runnable))


@pytest.mark.parametrize("seed", range(6))
def test_no_key_is_ever_owned_twice(seed: int) -> None:
    rng = random.Random(seed)
    store, time, scheduler = cluster(), FakeTime(), Scheduler()
    names = ["a", "b", "c", "d"]
    members = [member(ScheduledStore(store, scheduler, n), n, time) for n in names]  # type: ignore[arg-type]
    threads = [threading.Thread(target=run_rounds, args=(m,), daemon=True) for m in members]
    for thread in threads:
        thread.start()
    frozen: set[str] = set()
    dead: set[str] = set()
    try:
        scheduler.wait_for(set(names))
        for _ in range(STEPS):
            random_action(rng, time, scheduler, names, frozen, dead)
            assert_owned_at_most_once(members, seed)
        # Thaw everyone left alive and let the protocol settle.
        alive = [m for m in members if m.replica not in dead]
        for _ in range(200):
            time.advance(0.2)
            for m in alive:
                scheduler.release(m.replica)
                assert_owned_at_most_once(members, seed)
        for key in SAMPLE:
            assert len(owners(alive, key)) == 1, f"seed {seed}: {key} has no owner"
    finally:
        scheduler.stop()
        for thread in threads:
            thread.join(5)
