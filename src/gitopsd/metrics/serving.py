"""The ``/metrics``, ``/healthz`` and ``/readyz`` HTTP endpoint, on a daemon thread.

``gitopsd run`` calls :func:`serve_metrics` once at start-up with the process's
:class:`~gitopsd.metrics.Metrics` and a readiness callback. :class:`BackgroundHTTPServer`
(stdlib ``http.server`` on a daemon thread) is also what the webhook receiver listens
with. Port 0 picks a free port; ``.port`` tells which.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from gitopsd.metrics.registry import Metrics

log = logging.getLogger(__name__)

_STOP_TIMEOUT_SECONDS = 5.0
# How often the serving loop checks for stop(): the longest stop() waits.
_POLL_SECONDS = 0.1
# What Metrics.exposition() produces; spelled out because newer prometheus_client versions
# advertise 1.0.0 as "latest", which older Prometheus servers do not recognise.
EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs through ``logging`` at debug level, not to stderr."""

    server_version = "gitopsd"
    sys_version = ""
    timeout = 30  # seconds a client may stall mid-request before its socket is closed

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def reply(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Tests and restarts re-bind the same port while old connections sit in TIME_WAIT.
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class BackgroundHTTPServer:
    """A threading HTTP server running on a daemon thread until :meth:`stop`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str, port: int) -> None:
        server_class = _Server6 if ":" in host else _Server
        self._server = server_class((host, port), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name=f"{handler.__name__}:{self.port}",
            daemon=True,
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def stop(self) -> None:
        """Stop accepting requests, close the socket and wait for the serving thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(_STOP_TIMEOUT_SECONDS)


def _always_ready() -> bool:
    return True


def serve_metrics(
    metrics: Metrics,
    port: int,
    host: str = "0.0.0.0",
    health: Callable[[], bool] = _always_ready,
) -> BackgroundHTTPServer:
    """Serve ``/metrics``, ``/healthz`` (200 while the process runs) and ``/readyz``.

    ``/readyz`` answers 200 when ``health()`` is true and 503 otherwise (or when it
    raises). Returns the running server; call ``.stop()`` to end it.
    """
    return BackgroundHTTPServer(_metrics_handler(metrics, health), host, port)


def _metrics_handler(metrics: Metrics, health: Callable[[], bool]) -> type[BaseHTTPRequestHandler]:
    class MetricsHandler(QuietHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self.reply(200, metrics.exposition(), EXPOSITION_CONTENT_TYPE)
            elif path == "/healthz":
                self.reply(200, b"ok\n")
            elif path == "/readyz":
                ready = _is_ready(health)
                self.reply(200 if ready else 503, b"ok\n" if ready else b"not ready\n")
            else:
                self.reply(404, b"not found\n")

    return MetricsHandler


def _is_ready(health: Callable[[], bool]) -> bool:
    try:
        return bool(health())
    except Exception:
        log.exception("readiness check failed")
        return False
