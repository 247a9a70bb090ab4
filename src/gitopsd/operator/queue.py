"""A de-duplicating, delayed work queue of Application keys, in the manner of client-go's.

A key is processed by one worker at a time; an ``add`` while it is being processed marks
it dirty so it runs once more afterwards; ``add`` with a delay keeps the earliest due
time. Thread-safe; workers block in ``get``.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable

AppKey = tuple[str, str]  # (namespace, name)

log = logging.getLogger(__name__)
# How soon a key whose processing raised is looked at again.
ERROR_RETRY_SECONDS = 30.0


class WorkQueue:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, AppKey]] = []
        self._due: dict[AppKey, float] = {}
        self._active: set[AppKey] = set()
        self._dirty: dict[AppKey, float] = {}
        self._counter = 0
        self._closed = False

    def add(self, key: AppKey, delay: float = 0.0) -> None:
        with self._cond:
            due = self._clock() + max(delay, 0.0)
            if key in self._active:
                self._dirty[key] = min(due, self._dirty.get(key, due))
                return
            current = self._due.get(key)
            if current is not None and current <= due:
                return
            self._push(key, due)

    def _push(self, key: AppKey, due: float) -> None:
        self._due[key] = due
        self._counter += 1
        heapq.heappush(self._heap, (due, self._counter, key))
        self._cond.notify()

    def get(self, timeout: float | None = None) -> AppKey | None:
        """The next due key, or None when closed or after ``timeout``."""
        deadline = None if timeout is None else self._clock() + timeout
        with self._cond:
            while not self._closed:
                now = self._clock()
                while self._heap and self._due.get(self._heap[0][2]) != self._heap[0][0]:
                    heapq.heappop(self._heap)  # superseded entry
                if self._heap and self._heap[0][0] <= now:
                    _, _, key = heapq.heappop(self._heap)
                    del self._due[key]
                    self._active.add(key)
                    return key
                wait = self._heap[0][0] - now if self._heap else None
                if deadline is not None:
                    remaining = deadline - now
                    if remaining <= 0:
                        return None
                    wait = remaining if wait is None else min(wait, remaining)
                self._cond.wait(wait)
            return None

    def done(self, key: AppKey) -> None:
        with self._cond:
            self._active.discard(key)
            dirty = self._dirty.pop(key, None)
            if dirty is not None:
                current = self._due.get(key)
                if current is None or dirty < current:
                    self._push(key, dirty)

    def forget(self, key: AppKey) -> None:
        with self._cond:
            self._due.pop(key, None)
            self._dirty.pop(key, None)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._due)


# How soon a replica that is not the leader looks at a key again.
FOLLOWER_RETRY_SECONDS = 2.0


def run_worker(
    queue: WorkQueue,
    process: Callable[[AppKey], float | None],
    what: str,
    leading: Callable[[], bool] | None = None,
) -> None:
    """A worker thread's loop: process keys until the queue closes. ``process`` returns
    when to look at the key again (None: not until something changes). With ``leading``,
    keys are only processed while it says this replica leads; otherwise they wait."""
    while True:
        key = queue.get()
        if key is None:
            return
        if leading is not None and not leading():
            queue.done(key)
            queue.add(key, FOLLOWER_RETRY_SECONDS)
            continue
        try:
            delay = process(key)
        except Exception:  # a bug must not kill the worker: log and retry later
            log.exception("%s %s/%s: reconcile failed", what, *key)
            delay = ERROR_RETRY_SECONDS
        finally:
            queue.done(key)
        if delay is not None:
            queue.add(key, delay)
