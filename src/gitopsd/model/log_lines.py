"""The two shapes of gitopsd's log lines, shared by ``gitopsd run``
(:mod:`gitopsd.operator.main`) and ``gitopsd server`` (:mod:`gitopsd.server.logs`).

JSON: one object per line with ``time``, ``level``, ``logger``, ``msg``, the fields the
process adds (its audit fields) and ``error`` with a traceback. Text: one line per record,
its time in UTC with the zone whatever the host's local time is.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from gitopsd.model.times import log_time

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """One JSON object per line; :meth:`fields` says what a process adds to it."""

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        del record
        return {}

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": log_time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(self.fields(record))
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line)


class UtcText(logging.Formatter):
    """``<time> <LEVEL> <logger>: <message>``, the time in UTC."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """UTC with its zone, whatever the host's local time is."""
        del datefmt
        return log_time(record.created)
