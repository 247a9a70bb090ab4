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


def test_due_urgent_keys_go_before_a_backlog_of_routine_ones() -> None:
    """At 500 apps on a loaded machine the periodic refreshes kept eight workers busy and a
    manual edit waited behind them for seconds."""
    clock = FakeTime()
    queue = WorkQueue(clock)
    for i in range(5):
        queue.add(("ns", f"refresh-{i}"), delay=i)  # routine, overdue by the time we look
    clock.now += 10
    queue.add(("ns", "edited"), delay=0.2, urgent=True)
    assert queue.get(timeout=0) == ("ns", "refresh-0")  # the edit is not due yet
    clock.now += 0.2
    assert queue.get(timeout=0) == ("ns", "edited")
    assert queue.get(timeout=0) == ("ns", "refresh-1")


def test_an_urgent_add_makes_a_waiting_routine_key_urgent_at_the_earlier_time() -> None:
    clock = FakeTime()
    queue = WorkQueue(clock)
    queue.add(("ns", "other"), delay=0)
    queue.add(("ns", "a"), delay=1)
    queue.add(("ns", "a"), delay=5, urgent=True)
    assert len(queue) == 2
    clock.now += 1
    assert queue.get(timeout=0) == ("ns", "a")  # urgent now, due at the earlier time
    assert queue.get(timeout=0) == ("ns", "other")
    queue.done(("ns", "a"))
    assert queue.get(timeout=0) is None  # the later request was merged, not kept


def test_a_routine_add_does_not_demote_an_urgent_key() -> None:
    clock = FakeTime()
    queue = WorkQueue(clock)
    queue.add(("ns", "routine"), delay=0)
    queue.add(("ns", "a"), delay=0, urgent=True)
    queue.add(("ns", "a"), delay=0)
    assert queue.get(timeout=0) == ("ns", "a")
    assert queue.get(timeout=0) == ("ns", "routine")


def test_urgency_survives_a_key_being_processed() -> None:
    clock = FakeTime()
    queue = WorkQueue(clock)
    queue.add(("ns", "a"))
    key = queue.get(timeout=0)
    assert key is not None
    queue.add(("ns", "routine"))
    queue.add(("ns", "a"), urgent=True)  # changed while a worker had it
    queue.done(key)
    assert queue.get(timeout=0) == ("ns", "a")
    assert queue.get(timeout=0) == ("ns", "routine")


def test_urgent_then_routine_then_background_when_all_are_due() -> None:
    clock = FakeTime()
    queue = WorkQueue(clock)
    queue.add(("ns", "taken-over"), background=True)
    queue.add(("ns", "refresh"))
    queue.add(("ns", "edited"), urgent=True)
    assert [queue.get(timeout=0) for _ in range(3)] == [
        ("ns", "edited"),
        ("ns", "refresh"),
        ("ns", "taken-over"),
    ]


def test_an_urgent_add_promotes_a_background_key_past_routine_ones() -> None:
    clock = FakeTime()
    queue = WorkQueue(clock)
    queue.add(("ns", "refresh"))
    queue.add(("ns", "taken-over"), background=True)
    queue.add(("ns", "taken-over"), urgent=True)
    assert queue.get(timeout=0) == ("ns", "taken-over")
