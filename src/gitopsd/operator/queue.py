"""A de-duplicating, delayed work queue of Application keys, in the manner of client-go's.

A key is processed by one worker at a time; an ``add`` while it is being processed marks
it dirty so it runs once more afterwards; ``add`` with a delay keeps the earliest due
time. Among keys that are due, three lanes are served in order:

- ``urgent``: changes people or other controllers made (a watch event, a new spec, a
  webhook), so healing a manual edit is never held up by a backlog of routine passes;
- routine: periodic refreshes, polls of a running operation;
- ``background``: the Applications a replica takes over from another in one go and
  re-queues of everything, handed out only when nothing else is due.

Adding a key again in a higher lane promotes it. Thread-safe; workers block in ``get``.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable
from enum import IntEnum

AppKey = tuple[str, str]  # (namespace, name)

log = logging.getLogger(__name__)
# How soon a key whose processing raised is looked at again.
ERROR_RETRY_SECONDS = 30.0


class Lane(IntEnum):
    """Which keys go first when several are due; lower first."""

    URGENT = 0
    ROUTINE = 1
    BACKGROUND = 2


_Entry = tuple[float, Lane]  # (due, lane)


def _merge(current: _Entry | None, new: _Entry) -> _Entry:
    """The earlier due time and the higher lane of the two."""
    if current is None:
        return new
    return (min(current[0], new[0]), min(current[1], new[1]))


def _lane(urgent: bool, background: bool) -> Lane:
    if urgent:
        return Lane.URGENT
    return Lane.BACKGROUND if background else Lane.ROUTINE


class WorkQueue:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        # One heap per lane; entries are (due, counter, key).
        self._heaps: dict[Lane, list[tuple[float, int, AppKey]]] = {lane: [] for lane in Lane}
        self._due: dict[AppKey, _Entry] = {}
        self._active: set[AppKey] = set()
        self._dirty: dict[AppKey, _Entry] = {}
        self._counter = 0
        self._closed = False

    def add(
        self,
        key: AppKey,
        delay: float = 0.0,
        *,
        urgent: bool = False,
        background: bool = False,
    ) -> None:
        with self._cond:
            entry = (self._clock() + max(delay, 0.0), _lane(urgent, background))
            if key in self._active:
                self._dirty[key] = _merge(self._dirty.get(key), entry)
                return
            current = self._due.get(key)
            merged = _merge(current, entry)
            if merged != current:
                self._push(key, merged)

    def _push(self, key: AppKey, entry: _Entry) -> None:
        self._due[key] = entry
        self._counter += 1
        heapq.heappush(self._heaps[entry[1]], (entry[0], self._counter, key))
        self._cond.notify()

    def _top(self, lane: Lane) -> tuple[float, int, AppKey] | None:
        """The lane's first entry that is still current (superseded ones are dropped)."""
        heap = self._heaps[lane]
        while heap and self._due.get(heap[0][2]) != (heap[0][0], lane):
            heapq.heappop(heap)
        return heap[0] if heap else None

    def get(self, timeout: float | None = None) -> AppKey | None:
        """The next due key (urgent ones first, background ones last), or None when
        closed or after ``timeout``."""
        deadline = None if timeout is None else self._clock() + timeout
        with self._cond:
            while not self._closed:
                now = self._clock()
                tops = [(lane, self._top(lane)) for lane in Lane]
                for lane, top in tops:
                    if top is not None and top[0] <= now:
                        heapq.heappop(self._heaps[lane])
                        key = top[2]
                        del self._due[key]
                        self._active.add(key)
                        return key
                dues = [top[0] - now for _, top in tops if top is not None]
                wait = min(dues) if dues else None
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


def run_worker(
    queue: WorkQueue,
    process: Callable[[AppKey], float | None],
    what: str,
) -> None:
    """A worker thread's loop: process keys until the queue closes. ``process`` returns
    when to look at the key again (None: not until something changes)."""
    while True:
        key = queue.get()
        if key is None:
            return
        try:
            delay = process(key)
        except Exception:  # a bug must not kill the worker: log and retry later
            log.exception("%s %s/%s: reconcile failed", what, *key)
            delay = ERROR_RETRY_SECONDS
        finally:
            queue.done(key)
        if delay is not None:
            queue.add(key, delay)


def start_workers(
    queue: WorkQueue,
    process: Callable[[AppKey], float | None],
    what: str,
    *,
    count: int,
    name: str,
) -> list[threading.Thread]:
    """Start ``count`` daemon threads running :func:`run_worker`, named ``{name}-{index}``."""
    threads: list[threading.Thread] = []
    for index in range(count):
        thread = threading.Thread(
            target=run_worker, args=(queue, process, what), name=f"{name}-{index}", daemon=True
        )
        thread.start()
        threads.append(thread)
    return threads
