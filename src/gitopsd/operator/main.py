"""Starting the operator: logging, the runtime, kopf's event loop."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

import kopf

from gitopsd.config import ControllerSettings
from gitopsd.model.log_lines import JsonLines, UtcText
from gitopsd.operator import handlers
from gitopsd.operator.runtime import Runtime

AUDIT_FIELDS = ("application", "revision", "author", "action", "initiator")


class JsonFormatter(JsonLines):
    """One JSON object per line, with the audit fields when a record carries them."""

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        return {field: getattr(record, field) for field in AUDIT_FIELDS if hasattr(record, field)}


class TextFormatter(UtcText):
    """One line per record; audit records end with their fields as ``key=value`` pairs,
    so a text log answers "who deployed what" as the JSON one does."""

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
