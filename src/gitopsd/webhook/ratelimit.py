"""A token bucket per client address, so one noisy sender cannot flood the receiver.

Used by :mod:`gitopsd.webhook.receiving` before a request body is read. Time comes from
the ``clock`` passed in (seconds, monotonic), which keeps the buckets testable. Buckets
are keyed by the peer address: behind an ingress every request shares the ingress's
address, so the limit then applies to all senders together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """``per_second`` tokens refill each bucket up to ``burst``; 0 disables the limit.

    ``max_clients`` caps the memory kept: past it, full buckets (idle clients) are
    forgotten first, then the oldest.
    """

    per_second: float = 10.0
    burst: int = 20
    max_clients: int = 10_000


class TokenBuckets:
    """Thread-safe token buckets, one per client key."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float]) -> None:
        self._limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        # client -> (tokens left, time of last update)
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str) -> bool:
        """Take one token from ``client``'s bucket; False when it is empty."""
        if self._limit.per_second <= 0:
            return True
        with self._lock:
            now = self._clock()
            tokens = self._refilled(client, now)
            allowed = tokens >= 1.0
            self._buckets.pop(client, None)  # re-insert: dict order is recency
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            self._evict(now)
            return allowed

    def __len__(self) -> int:
        return len(self._buckets)

    def _refilled(self, client: str, now: float) -> float:
        burst = float(self._limit.burst)
        tokens, since = self._buckets.get(client, (burst, now))
        return min(burst, tokens + max(0.0, now - since) * self._limit.per_second)

    def _evict(self, now: float) -> None:
        if len(self._buckets) <= self._limit.max_clients:
            return
        full = [c for c in self._buckets if self._refilled(c, now) >= self._limit.burst]
        for client in full:
            del self._buckets[client]
        while len(self._buckets) > self._limit.max_clients:
            del self._buckets[next(iter(self._buckets))]
