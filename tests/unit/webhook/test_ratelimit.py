"""Token buckets per client, driven by a fake clock."""

from __future__ import annotations

from gitopsd.webhook import RateLimit, TokenBuckets


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refusal_then_refill() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(RateLimit(per_second=2, burst=3), clock)
    assert [buckets.allow("10.0.0.1") for _ in range(4)] == [True, True, True, False]
    clock.now += 0.4  # 0.8 tokens: still not one
    assert not buckets.allow("10.0.0.1")
    clock.now += 0.2  # 0.8 + 0.4 = 1.2 tokens
    assert buckets.allow("10.0.0.1")
    assert not buckets.allow("10.0.0.1")


def test_clients_have_their_own_buckets() -> None:
    buckets = TokenBuckets(RateLimit(per_second=1, burst=1), FakeClock())
    assert buckets.allow("10.0.0.1")
    assert not buckets.allow("10.0.0.1")
    assert buckets.allow("10.0.0.2")


def test_refill_stops_at_burst() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(RateLimit(per_second=10, burst=2), clock)
    clock.now += 3600
    assert [buckets.allow("a") for _ in range(3)] == [True, True, False]


def test_zero_rate_disables_the_limit() -> None:
    buckets = TokenBuckets(RateLimit(per_second=0, burst=0), FakeClock())
    assert all(buckets.allow("a") for _ in range(1000))


def test_memory_is_capped_forgetting_idle_clients_first() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(RateLimit(per_second=1, burst=1, max_clients=2), clock)
    assert buckets.allow("idle")
    clock.now += 5  # "idle" has refilled: it is as good as new, so forgettable
    assert buckets.allow("busy")
    assert buckets.allow("newcomer")
    assert len(buckets) == 2
    assert not buckets.allow("busy")  # still remembered, still empty


def test_memory_cap_drops_the_least_recent_when_nobody_is_idle() -> None:
    buckets = TokenBuckets(RateLimit(per_second=1, burst=1, max_clients=2), FakeClock())
    for client in ("first", "second", "third"):
        assert buckets.allow(client)
    assert len(buckets) == 2
    assert not buckets.allow("third")
    assert buckets.allow("first")  # forgotten, so it starts again with a full bucket
