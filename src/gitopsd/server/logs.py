"""Logging for ``gitopsd server``: text or one JSON object per line, and audit records.

Audit records go to the ``gitopsd.audit`` logger with an ``audit`` mapping (user, groups,
action, resource, object, project, result, source IP); the JSON formatter puts its
fields at the top level of the line. Tokens and passwords never reach a log record:
handlers log names and decisions only, and aiohttp's access log is not used (its
request line could carry a query string).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from gitopsd.model.times import log_time


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": log_time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        audit = getattr(record, "audit", None)
        if isinstance(audit, dict):
            line.update(audit)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """UTC with its zone, whatever the host's local time is."""
        del datefmt
        return log_time(record.created)


def configure_logging(log_format: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("urllib3", "aiohttp.access", "casbin"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
