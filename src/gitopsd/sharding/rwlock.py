"""A readers-writer lock that prefers the writer, with a timeout for the writer.

Writes to the API server hold the shared side from the ownership check to the end of the
call; the membership protocol takes the exclusive side to change what this replica owns,
so a change waits for the writes already checked, and writes that arrive meanwhile wait
for the change (and then see it). Used by :mod:`gitopsd.sharding.member`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class RWLock:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    def acquire_exclusive(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._waiting_writers += 1
            try:
                while self._writer or self._readers:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._cond.wait(remaining)
                self._writer = True
                return True
            finally:
                self._waiting_writers -= 1
                if not self._writer:
                    self._cond.notify_all()  # readers held back by this writer may go

    def release_exclusive(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()
