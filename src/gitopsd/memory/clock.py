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


def rfc3339(moment: dt.datetime) -> str:
    """``2026-01-01T12:00:00Z``: the API server's timestamp format (whole seconds, UTC)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
