"""How soon to look again at an Application whose last passes failed.

A failed pass (Git or render error, an unreadable cluster, a status write the API server
refused, an unexpected exception) is retried after a delay that starts at a few seconds
and doubles with each consecutive failure up to the reconcile interval, with random
jitter so many Applications failing together (a Git outage) do not retry in lockstep.
One successful pass resets it. A webhook or a refresh annotation enqueues the
Application at once and is not held back by it. Used by :mod:`gitopsd.operator.controller`.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from gitopsd.operator.queue import AppKey


@dataclass(frozen=True)
class FailureBackoff:
    """3 s, doubling per consecutive failure, never more than ``max_seconds``; each delay
    is scaled by a random factor in ``[1 - jitter, 1 + jitter]`` (and still capped)."""

    initial_seconds: float = 3.0
    factor: float = 2.0
    max_seconds: float = 120.0
    jitter: float = 0.2

    def delay(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """The wait after the ``failures``-th consecutive failure (1 = the first)."""
        base = min(self.initial_seconds * self.factor ** max(failures - 1, 0), self.max_seconds)
        scaled = base * (1 - self.jitter + 2 * self.jitter * rand())
        return min(scaled, self.max_seconds)


class FailureCounts:
    """Consecutive failed passes per Application (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[AppKey, int] = {}

    def failed(self, key: AppKey) -> int:
        """Count one more failure; returns the new count."""
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]

    def succeeded(self, key: AppKey) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def forget(self, key: AppKey) -> None:
        self.succeeded(key)
