"""Logging for ``gitopsd server``: text or one JSON object per line, and audit records.

Audit records go to the ``gitopsd.audit`` logger with an ``audit`` mapping (user, groups,
action, resource, object, project, result, source IP); the JSON formatter puts its
fields at the top level of the line. Tokens and passwords never reach a log record:
handlers log names and decisions only, and aiohttp's access log is not used (its
request line could carry a query string).
"""

from __future__ import annotations

import logging
from typing import Any

from gitopsd.model.log_lines import JsonLines, UtcText


class JsonFormatter(JsonLines):
    """The ``audit`` mapping of an audit record at the top level of its line."""

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        audit = getattr(record, "audit", None)
        return audit if isinstance(audit, dict) else {}


TextFormatter = UtcText


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
