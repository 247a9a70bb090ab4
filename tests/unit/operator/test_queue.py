"""The work queue de-duplicates, delays, and re-runs a key changed while in progress."""

from __future__ import annotations

from gitopsd.operator.queue import WorkQueue


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_duplicates_collapse_and_the_earliest_due_time_wins() -> None:
    clock = FakeTime()
    queue = WorkQueue(clock)
    queue.add(("ns", "a"), delay=10)
    queue.add(("ns", "a"), delay=0)
    queue.add(("ns", "a"), delay=5)
    assert len(queue) == 1
    assert queue.get(timeout=0) == ("ns", "a")
    queue.done(("ns", "a"))
    assert queue.get(timeout=0) is None


def test_a_delayed_key_is_not_handed_out_early() -> None:
    clock = FakeTime()
    queue = WorkQueue(clock)
    queue.add(("ns", "a"), delay=30)
    assert queue.get(timeout=0) is None
    clock.now += 31
    assert queue.get(timeout=0) == ("ns", "a")


def test_a_key_added_while_processing_runs_again_afterwards_not_concurrently() -> None:
    clock = FakeTime()
    queue = WorkQueue(clock)
    queue.add(("ns", "a"))
    key = queue.get(timeout=0)
    queue.add(("ns", "a"))
    assert queue.get(timeout=0) is None  # not handed to a second worker
    assert key is not None
    queue.done(key)
    assert queue.get(timeout=0) == ("ns", "a")


def test_keys_come_out_in_due_order() -> None:
    clock = FakeTime()
    queue = WorkQueue(clock)
    queue.add(("ns", "late"), delay=2)
    queue.add(("ns", "early"), delay=1)
    clock.now += 3
    assert queue.get(timeout=0) == ("ns", "early")
    assert queue.get(timeout=0) == ("ns", "late")


def test_forget_and_close() -> None:
    queue = WorkQueue(FakeTime())
    queue.add(("ns", "a"))
    queue.forget(("ns", "a"))
    assert queue.get(timeout=0) is None
    queue.close()
    assert queue.get() is None


def test_background_keys_wait_while_ordinary_ones_are_due() -> None:
    clock = FakeTime()
    queue = WorkQueue(clock)
    for index in range(3):
        queue.add(("ns", f"batch-{index}"), background=True)
    clock.now += 1
    queue.add(("ns", "edited"))  # due later than the batch, but ordinary
    assert queue.get(timeout=0) == ("ns", "edited")
    assert queue.get(timeout=0) == ("ns", "batch-0")


def test_an_ordinary_add_promotes_a_background_key() -> None:
    clock = FakeTime()
    queue = WorkQueue(clock)
    queue.add(("ns", "a"), background=True)
    queue.add(("ns", "b"), background=True)
    queue.add(("ns", "b"), delay=5)  # promoted, keeping the earlier due time
    assert len(queue) == 2
    assert queue.get(timeout=0) == ("ns", "b")
    assert queue.get(timeout=0) == ("ns", "a")
