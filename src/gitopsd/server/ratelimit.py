"""Sign-in rate limits: per client address, and per user name after failures.

Every attempt takes a token from its address's bucket (the webhook receiver's
:class:`~gitopsd.webhook.ratelimit.TokenBuckets`). Failed attempts are counted per user
name in a sliding window; past ``max_failures`` the name is refused until the oldest
failure leaves the window, whatever the password, so guessing one account's password is
slow from any number of addresses. Limits are kept per server replica. The clock is
passed in (monotonic seconds). Called by :mod:`gitopsd.server.signin`.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from dataclasses import dataclass

from gitopsd.webhook.ratelimit import RateLimit, TokenBuckets

MAX_TRACKED_NAMES = 10_000


@dataclass(frozen=True)
class SignInLimits:
    per_second: float = 1.0
    burst: int = 10
    max_failures: int = 5
    failure_window_seconds: float = 300.0


class SignInLimiter:
    def __init__(self, limits: SignInLimits, clock: Callable[[], float]) -> None:
        self._limits = limits
        self._clock = clock
        self._addresses = TokenBuckets(RateLimit(limits.per_second, limits.burst), clock)
        self._failures: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, address: str, username: str) -> float:
        """0 when the attempt may go on, else seconds until it may be retried."""
        if not self._addresses.allow(address):
            return max(1.0, 1.0 / self._limits.per_second if self._limits.per_second else 1.0)
        with self._lock:
            failures = self._recent(username)
            if len(failures) >= self._limits.max_failures:
                return max(1.0, failures[0] + self._limits.failure_window_seconds - self._clock())
        return 0.0

    def failed(self, username: str) -> None:
        with self._lock:
            failures = self._recent(username)
            failures.append(self._clock())
            self._failures[username] = failures
            if len(self._failures) > MAX_TRACKED_NAMES:
                del self._failures[next(iter(self._failures))]

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)

    def _recent(self, username: str) -> collections.deque[float]:
        failures = self._failures.get(username) or collections.deque()
        horizon = self._clock() - self._limits.failure_window_seconds
        while failures and failures[0] <= horizon:
            failures.popleft()
        return failures
