"""Starting the operator: logging, the runtime, kopf's event loop."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

import kopf

from gitopsd.config import ControllerSettings
from gitopsd.model.times import log_time
from gitopsd.operator import handlers
from gitopsd.operator.runtime import Runtime

AUDIT_FIELDS = ("application", "revision", "author", "action", "initiator")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the audit fields when a record carries them."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": log_time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for field in AUDIT_FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line)


class TextFormatter(logging.Formatter):
    """One line per record; audit records end with their fields as ``key=value`` pairs,
    so a text log answers "who deployed what" as the JSON one does."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """UTC with its zone, whatever the host's local time is."""
        del datefmt
        return log_time(record.created)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = [
            f"{field}={_quoted(getattr(record, field))}"
            for field in AUDIT_FIELDS
            if getattr(record, field, "")
        ]
        if not pairs:
            return line
        head, newline, rest = line.partition("\n")  # keep a traceback below the pairs
        return f"{head} {' '.join(pairs)}{newline}{rest}"


def _quoted(value: Any) -> str:
    text = str(value)
    return json.dumps(text) if not text or any(c in text for c in ' "=') else text


class QuietRetries(logging.Filter):
    """kopf logs every retried request at ERROR. A retry the API server asked for (429:
    "storage is (re)initializing" right after CRDs are installed, or throttling) is
    routine: it is logged at DEBUG. A request that finally fails still logs an ERROR."""

    MARKERS = ("TooManyRequests", "429", "storage is (re)initializing")

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("kopf") or record.levelno < logging.ERROR:
            return True
        message = record.getMessage()
        if "will retry" in message and any(marker in message for marker in self.MARKERS):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


def configure_logging(log_format: str, level: str) -> None:
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
    handler.addFilter(QuietRetries())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("kopf").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def run(settings: ControllerSettings, *, log_level: str = "INFO") -> int:
    configure_logging(settings.log_format, log_level)
    runtime = Runtime(settings)
    registry = kopf.OperatorRegistry()
    handlers.register(runtime, registry)
    stop = threading.Event()
    try:
        asyncio.run(
            kopf.operator(
                registry=registry,
                namespaces=[settings.namespace],
                standalone=True,  # no kopf peering: sharding over Leases instead
                stop_flag=None,
            )
        )
    except KeyboardInterrupt:
        stop.set()
    finally:
        runtime.stop()
    return 0
