"""Printing shared by the people's verbs (``app``, ``cluster``, ``diff``): aligned tables,
JSON and YAML documents, ages and short revisions, and the exit codes they share.

Pure formatting: callers pass ``now`` for ages and write the returned text themselves.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any

import yaml

from gitopsd.errors import ConfigError, SpecError
from gitopsd.model.revisions import short_revision as shorten
from gitopsd.model.times import parse_time
from gitopsd.model.yaml_loader import iter_yaml_documents

COLUMN_GAP = "   "  # kubectl's spacing between table columns
SHORT_SHA = 7


class ExitCode(IntEnum):
    """What the verbs return: 0 done, 1 failed, 2 usage or error, 3 timed out."""

    OK = 0
    FAILED = 1
    USAGE = 2
    TIMEOUT = 3


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns, one line per row, no trailing spaces; ``""`` without rows."""
    if not rows:
        return ""
    widths = [len(h) for h in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    lines = []
    for row in (headers, *rows):
        cells = [cell.ljust(widths[index]) for index, cell in enumerate(row)]
        lines.append(COLUMN_GAP.join(cells).rstrip())
    return "\n".join(lines) + "\n"


def dump(value: Any, output: OutputFormat) -> str:
    """``value`` as an indented JSON document or a YAML document (keys as given)."""
    if output is OutputFormat.JSON:
        return json.dumps(value, indent=2, sort_keys=True) + "\n"
    return str(yaml.safe_dump(value, sort_keys=True, default_flow_style=False))


def short_revision(revision: str | None) -> str:
    """The first seven characters of a commit SHA, a chart's version with the first twelve
    digits of its digest; other revisions as they are."""
    return shorten(str(revision or ""))


def human_age(since: str | None, now: dt.datetime) -> str:
    """kubectl-style age (``45s``, ``3m12s``, ``5h``, ``12d``); ``<unknown>`` without a time."""
    start = parse_time(since)
    if start is None:
        return "<unknown>"
    seconds = max(0, int((now - start).total_seconds()))
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if hours < 3:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if days < 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y"


def read_application(path: Path) -> dict[str, Any]:
    """The one Application in a manifest file."""
    try:
        documents = list(iter_yaml_documents(path.read_text()))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read an Application: {error}") from error
    apps = [d for d in documents if isinstance(d, dict) and d.get("kind") == "Application"]
    if len(apps) != 1:
        raise SpecError(f"{path}: expected one Application, found {len(apps)}")
    if not (apps[0].get("metadata") or {}).get("name"):
        raise SpecError(f"{path}: the Application has no metadata.name")
    return apps[0]


def add_output_flag(parser: argparse.ArgumentParser) -> None:
    """``-o/--output`` for the verbs that show things: a table for people (the default),
    or a JSON or YAML dump for scripts."""
    parser.add_argument(
        "-o",
        "--output",
        type=OutputFormat,
        choices=list(OutputFormat),
        default=OutputFormat.TABLE,
        help="table (default), json or yaml",
    )


def print_rows(
    items: Sequence[dict[str, Any]],
    output: OutputFormat,
    headers: Sequence[str],
    row: Callable[[dict[str, Any]], list[str]],
) -> int:
    """``list`` verbs whose items are already in order: a table of ``row(item)`` under
    ``headers``, or a dump of the items."""
    if output is OutputFormat.TABLE:
        sys.stdout.write(format_table(headers, [row(item) for item in items]))
    else:
        sys.stdout.write(dump(list(items), output))
    return ExitCode.OK


def print_list(
    objects: list[dict[str, Any]],
    output: OutputFormat,
    table: Callable[[list[dict[str, Any]], dt.datetime], str],
) -> int:
    """``list`` verbs: sorted by name, a table for people or a dump for scripts."""
    objects.sort(key=lambda o: str(o["metadata"]["name"]))
    if output is OutputFormat.TABLE:
        sys.stdout.write(table(objects, dt.datetime.now(dt.UTC)))
    else:
        sys.stdout.write(dump(objects, output))
    return ExitCode.OK
