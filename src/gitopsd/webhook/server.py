"""The webhook HTTP endpoint: ``POST /api/webhook`` (Argo CD's path) on a daemon thread.

``gitopsd run --webhook-port`` creates one :class:`WebhookServer`, passing the operator's
``on_push`` callback (which matches Applications and requests their refresh) and the
shared :class:`~gitopsd.metrics.Metrics`. The HTTP plumbing is stdlib ``http.server``
(the same helper the metrics endpoint uses); every decision is made by
:class:`~gitopsd.webhook.receiving.WebhookReceiver`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler

from gitopsd.metrics import BackgroundHTTPServer, Metrics
from gitopsd.metrics.serving import QuietHandler
from gitopsd.webhook.events import Provider, PushEvent
from gitopsd.webhook.ratelimit import RateLimit
from gitopsd.webhook.receiving import (
    DEFAULT_MAX_BODY,
    ReceiverOptions,
    WebhookReceiver,
    lower_case_headers,
)
from gitopsd.webhook.verify import WebhookSecrets

WEBHOOK_PATH = "/api/webhook"
_DISCARD_LIMIT = 16 * 1024 * 1024
_DISCARD_SECONDS = 2.0
_CHUNK = 64 * 1024


class WebhookServer:
    """Receives Git push webhooks and hands each push to ``on_push``.

    Answers 200 with ``{"result": "accepted"}`` plus ``"refreshed": <count>`` for a
    signed push (``{"ignored": event}`` for events other than pushes), 400 for an
    unparsable payload, 401 for a failed signature or token check or an unsigned push
    that is not allowed, 411 without Content-Length, 413 past ``max_body`` bytes, 429 past
    ``rate``. Application names are never answered.
    """

    def __init__(
        self,
        secrets: WebhookSecrets,
        on_push: Callable[[PushEvent], Iterable[str]],
        port: int = 0,
        host: str = "0.0.0.0",
        *,
        max_body: int = DEFAULT_MAX_BODY,
        rate: RateLimit | None = None,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
        allow_unsigned: frozenset[Provider] = frozenset(),
    ) -> None:
        options = ReceiverOptions(max_body=max_body, rate=rate or RateLimit())
        self.receiver = WebhookReceiver(
            secrets,
            on_push,
            clock=clock,
            options=options,
            metrics=metrics,
            allow_unsigned=allow_unsigned,
        )
        self._host = host
        self._port = port
        self._http: BackgroundHTTPServer | None = None

    def start(self) -> None:
        if self._http is None:
            self._http = BackgroundHTTPServer(_handler(self.receiver), self._host, self._port)

    @property
    def port(self) -> int:
        """The listening port (the one picked when constructed with port 0 and started)."""
        return self._http.port if self._http else self._port

    def stop(self) -> None:
        if self._http is not None:
            self._http.stop()
            self._http = None


def _handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class WebhookHandler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
            if self.path.split("?", 1)[0] != WEBHOOK_PATH:
                self.reply(404, b'{"error": "not found"}\n', "application/json")
                return
            headers = lower_case_headers(self.headers.items())
            reply = receiver.admit(self.client_address[0], headers)
            if reply is None:
                body = self.rfile.read(int(headers["content-length"]))
                reply = receiver.handle(headers, body)
            if not reply.read_body:
                self.close_connection = True
            self.reply(reply.status, reply.json_body(), "application/json")
            if not reply.read_body:
                _discard_body(self, headers.get("content-length", ""))

        def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
            self.reply(405, b'{"error": "use POST"}\n', "application/json")

    return WebhookHandler


def _discard_body(handler: BaseHTTPRequestHandler, length: str) -> None:
    """Read and drop the body of a refused request, within limits.

    Closing a socket with unread data makes the kernel reset the connection, and a
    client still sending would never see the 413 or 429; so read on, in small chunks,
    for at most ``_DISCARD_LIMIT`` bytes or ``_DISCARD_SECONDS`` per read.
    """
    remaining = min(int(length), _DISCARD_LIMIT) if length.isdigit() else 0
    handler.connection.settimeout(_DISCARD_SECONDS)
    try:
        while remaining > 0:
            chunk = handler.rfile.read(min(remaining, _CHUNK))
            if not chunk:
                return
            remaining -= len(chunk)
    except OSError:
        return
