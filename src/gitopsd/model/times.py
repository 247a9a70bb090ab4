"""The one time codec: RFC 3339 timestamps as the API server writes and reads them.

Kubernetes writes ``Time`` fields as whole seconds in UTC (``2026-01-01T12:00:00Z``) and
``MicroTime`` fields with microseconds (``2026-01-01T12:00:00.000000Z``). Everything
gitopsd writes into a status, an operation state, an Event, a Secret or a log line goes
through :func:`format_time` / :func:`format_micro_time` / :func:`log_time`, and
everything it reads back (``startedAt``, ``nextRetryAt``, ``creationTimestamp``, approval
annotations) through :func:`parse_time`, so a zone is never dropped or guessed twice.
Called by the reconciler, status, history, hooks, the operator's Events and logs, the
server and the CLI.
"""

from __future__ import annotations

import datetime as dt

SECONDS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MICROS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_time(moment: dt.datetime) -> str:
    """``2026-01-01T12:00:00Z``: whole seconds, in UTC (a naive time is taken as UTC)."""
    return _utc(moment).strftime(SECONDS_FORMAT)


def format_micro_time(moment: dt.datetime) -> str:
    """``2026-01-01T12:00:00.123456Z``: a Kubernetes ``MicroTime``."""
    return _utc(moment).strftime(MICROS_FORMAT)


def log_time(epoch_seconds: float) -> str:
    """A log line's time: UTC with milliseconds and the zone (``...T12:00:00.123Z``)."""
    moment = dt.datetime.fromtimestamp(epoch_seconds, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(value: object) -> dt.datetime | None:
    """An RFC 3339 timestamp as a timezone-aware datetime; None when absent or unreadable.

    A ``datetime`` is accepted as it is (YAML loaders other than ours produce them); a
    value without a zone is taken as UTC, which is what the API server means."""
    if isinstance(value, dt.datetime):
        return _utc(value)
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
