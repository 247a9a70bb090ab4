"""The time codec: what gitopsd writes is RFC 3339 in UTC with its zone, and what it reads
back keeps (or gains) a zone; unreadable values are None, never an exception."""

from __future__ import annotations

import datetime as dt

import pytest

from gitopsd.model.times import format_micro_time, format_time, log_time, parse_time

TOKYO = dt.timezone(dt.timedelta(hours=9))


def test_times_are_written_in_utc_with_the_zone() -> None:
    moment = dt.datetime(2026, 1, 1, 21, 0, 5, 123456, tzinfo=TOKYO)
    assert format_time(moment) == "2026-01-01T12:00:05Z"
    assert format_micro_time(moment) == "2026-01-01T12:00:05.123456Z"
    assert format_time(dt.datetime(2026, 1, 1, 12, 0, 5)) == "2026-01-01T12:00:05Z"  # naive: UTC


def test_a_log_time_is_utc_with_milliseconds_and_the_zone() -> None:
    assert log_time(0.0) == "1970-01-01T00:00:00.000Z"
    assert log_time(1767268805.25) == "2026-01-01T12:00:05.250Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01T12:00:05Z", dt.datetime(2026, 1, 1, 12, 0, 5, tzinfo=dt.UTC)),
        ("2026-01-01T21:00:05+09:00", dt.datetime(2026, 1, 1, 12, 0, 5, tzinfo=dt.UTC)),
        ("2026-01-01T12:00:05.5Z", dt.datetime(2026, 1, 1, 12, 0, 5, 500000, tzinfo=dt.UTC)),
        ("2026-01-01T12:00:05", dt.datetime(2026, 1, 1, 12, 0, 5, tzinfo=dt.UTC)),
    ],
)
def test_timestamps_are_read_with_a_zone(text: str, expected: dt.datetime) -> None:
    parsed = parse_time(text)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is not None


@pytest.mark.parametrize("value", [None, "", "yesterday", "2026-13-01T00:00:00Z", 42])
def test_unreadable_timestamps_are_none(value: object) -> None:
    assert parse_time(value) is None


def test_a_written_time_reads_back_as_the_same_moment() -> None:
    moment = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=TOKYO)
    assert parse_time(format_time(moment)) == moment
