"""The failure back-off: a few seconds, doubling, capped at the interval, jittered."""

from __future__ import annotations

import pytest

from gitopsd.operator.backoff import FailureBackoff, FailureCounts


def test_delays_double_from_a_few_seconds_up_to_the_cap() -> None:
    backoff = FailureBackoff(initial_seconds=3.0, max_seconds=120.0, jitter=0.0)
    assert [backoff.delay(n) for n in range(1, 8)] == [3.0, 6.0, 12.0, 24.0, 48.0, 96.0, 120.0]


def test_jitter_spreads_a_delay_within_its_bounds_and_never_past_the_cap() -> None:
    backoff = FailureBackoff(initial_seconds=10.0, max_seconds=100.0, jitter=0.2)
    assert backoff.delay(1, lambda: 0.0) == pytest.approx(8.0)
    assert backoff.delay(1, lambda: 1.0) == pytest.approx(12.0)
    assert backoff.delay(10, lambda: 1.0) == 100.0


def test_counts_grow_per_application_and_reset_on_success() -> None:
    counts = FailureCounts()
    assert [counts.failed(("ns", "a")) for _ in range(3)] == [1, 2, 3]
    assert counts.failed(("ns", "b")) == 1
    counts.succeeded(("ns", "a"))
    assert counts.failed(("ns", "a")) == 1
