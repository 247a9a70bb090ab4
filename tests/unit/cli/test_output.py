"""Shared printing: aligned tables, ages, short revisions, JSON and YAML documents."""

from __future__ import annotations

import datetime as dt

import pytest

from gitopsd.cli.output import OutputFormat, dump, format_table, human_age, short_revision

NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def test_table_columns_are_aligned_without_trailing_spaces() -> None:
    table = format_table(
        ("NAME", "SYNC", "NOTE"), [["guestbook", "Synced", ""], ["db", "OutOfSync", "x"]]
    )
    assert table == (
        "NAME        SYNC        NOTE\nguestbook   Synced\ndb          OutOfSync   x\n"
    )


@pytest.mark.parametrize(
    ("since", "age"),
    [
        ("2024-05-01T11:59:15Z", "45s"),
        ("2024-05-01T11:56:48Z", "3m12s"),
        ("2024-05-01T11:55:00Z", "5m"),
        ("2024-05-01T10:30:00Z", "90m"),
        ("2024-05-01T06:45:00Z", "5h15m"),
        ("2024-04-30T12:00:00Z", "24h"),
        ("2024-04-28T09:30:00Z", "3d2h"),
        ("2024-03-01T12:00:00Z", "61d"),
        ("2021-05-01T12:00:00Z", "3y"),
        ("2024-05-01T12:00:30Z", "0s"),  # clock skew: never negative
        (None, "<unknown>"),
        ("yesterday", "<unknown>"),
    ],
)
def test_ages_read_like_kubectl(since: str | None, age: str) -> None:
    assert human_age(since, NOW) == age


def test_short_revisions_only_cut_commit_shas() -> None:
    assert short_revision("8f4c2a9e1b7d3c5f6a8e0b2d4f6a8c0e2b4d6f8a") == "8f4c2a9"
    assert short_revision("v2.3.0") == "v2.3.0"
    assert short_revision(None) == ""


def test_documents_have_sorted_keys() -> None:
    value = {"b": 1, "a": [True]}
    assert dump(value, OutputFormat.JSON) == '{\n  "a": [\n    true\n  ],\n  "b": 1\n}\n'
    assert dump(value, OutputFormat.YAML) == "a:\n- true\nb: 1\n"
