"""Starting the operator: logging, the runtime, kopf's event loop."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

import kopf

from gitopsd.config import ControllerSettings
from gitopsd.operator import handlers
from gitopsd.operator.runtime import Runtime

AUDIT_FIELDS = ("application", "revision", "author", "action", "initiator")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the audit fields when a record carries them."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
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


def configure_logging(log_format: str, level: str) -> None:
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
                standalone=not settings.peering,
                peering_name=settings.peering or None,
                stop_flag=None,
            )
        )
    except KeyboardInterrupt:
        stop.set()
    finally:
        runtime.stop()
    return 0
