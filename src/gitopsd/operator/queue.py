"""A de-duplicating, delayed work queue of Application keys, in the manner of client-go's.

A key is processed by one worker at a time; an ``add`` while it is being processed marks
it dirty so it runs once more afterwards; ``add`` with a delay keeps the earliest due
time. Keys added as urgent (changes people or other controllers made) are handed out
before routine ones (periodic refreshes) that are due too. Thread-safe; workers block in
``get``.
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


Entry = tuple[float, bool]  # (due time, urgent)


def _merge(current: Entry | None, new: Entry) -> Entry:
    """The earliest due time, urgent if either asked for it."""
    if current is None:
        return new
    return min(current[0], new[0]), current[1] or new[1]


class WorkQueue:
    """Keys come out in due order, urgent ones first: among keys that are due, one added
    with ``urgent=True`` (a change someone made: a watch event, a new spec, a webhook)
    goes before routine ones (periodic refreshes, polls of a running operation), so a
    backlog of routine passes does not hold up healing a manual edit."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        # One heap per lane, urgent first; entries are (due, counter, key).
        self._lanes: tuple[list[tuple[float, int, AppKey]], ...] = ([], [])
        self._due: dict[AppKey, Entry] = {}
        self._active: set[AppKey] = set()
        self._dirty: dict[AppKey, Entry] = {}
        self._counter = 0
        self._closed = False

    def add(self, key: AppKey, delay: float = 0.0, *, urgent: bool = False) -> None:
        with self._cond:
            entry = (self._clock() + max(delay, 0.0), urgent)
            if key in self._active:
                self._dirty[key] = _merge(self._dirty.get(key), entry)
                return
            current = self._due.get(key)
            merged = _merge(current, entry)
            if merged != current:
                self._push(key, merged)

    def _push(self, key: AppKey, entry: Entry) -> None:
        self._due[key] = entry
        self._counter += 1
        due, urgent = entry
        heapq.heappush(self._lanes[0 if urgent else 1], (due, self._counter, key))
        self._cond.notify()

    def _head(self, lane: int) -> tuple[float, int, AppKey] | None:
        """The lane's first entry that is still current (superseded ones are dropped)."""
        heap = self._lanes[lane]
        while heap and self._due.get(heap[0][2]) != (heap[0][0], lane == 0):
            heapq.heappop(heap)
        return heap[0] if heap else None

    def get(self, timeout: float | None = None) -> AppKey | None:
        """The next due key (urgent ones first), or None when closed or after ``timeout``."""
        deadline = None if timeout is None else self._clock() + timeout
        with self._cond:
            while not self._closed:
                now = self._clock()
                heads = [self._head(lane) for lane in (0, 1)]
                for lane, head in enumerate(heads):
                    if head is not None and head[0] <= now:
                        heapq.heappop(self._lanes[lane])
                        del self._due[head[2]]
                        self._active.add(head[2])
                        return head[2]
                upcoming = [head[0] - now for head in heads if head is not None]
                wait = min(upcoming) if upcoming else None
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
                merged = _merge(current, dirty)
                if merged != current:
                    self._push(key, merged)

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
