"""``ManualClock``: a ``Clock`` that moves only when told, for scenarios that span
back-offs, hook timeouts and retries in milliseconds."""

from __future__ import annotations

import datetime as dt

START = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


class ManualClock:
    def __init__(self, start: dt.datetime = START) -> None:
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, seconds: float) -> dt.datetime:
        self._now += dt.timedelta(seconds=seconds)
        return self._now
