"""The webhook request pipeline, free of sockets: admit, verify, parse, dispatch.

:class:`~gitopsd.webhook.server.WebhookServer` calls :meth:`WebhookReceiver.admit` with
the headers (before reading the body: rate limit 429, size cap 413, 411 without a
length), then :meth:`WebhookReceiver.handle` with the body (401 on a bad signature, 400
on an unparsable push, 200 otherwise). Each request is counted once in
``gitopsd_webhook_requests_total{provider,result}`` when a ``Metrics`` is given.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gitopsd.errors import WebhookError
from gitopsd.metrics import Metrics, strip_credentials
from gitopsd.webhook.events import Provider, PushEvent
from gitopsd.webhook.providers import detect_provider, event_name, parse_push
from gitopsd.webhook.ratelimit import RateLimit, TokenBuckets
from gitopsd.webhook.verify import Verdict, WebhookSecrets, verify_request

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 1024 * 1024


class Outcome(StrEnum):
    """The ``result`` label of ``gitopsd_webhook_requests_total``."""

    ACCEPTED = "accepted"
    IGNORED = "ignored"  # a well-formed event that is not a push (ping, pull request, ...)
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    ERROR = "error"


@dataclass(frozen=True)
class Reply:
    """What to answer: HTTP status, a JSON body, and how the request was classified."""

    status: int
    body: dict[str, Any]
    outcome: Outcome
    provider: Provider
    read_body: bool = True  # False when answered from the headers alone

    def json_body(self) -> bytes:
        return (json.dumps(self.body, sort_keys=True) + "\n").encode()


@dataclass(frozen=True)
class ReceiverOptions:
    """``max_body`` bytes per request (default 1 MiB); ``rate`` per client address."""

    max_body: int = DEFAULT_MAX_BODY
    rate: RateLimit = field(default_factory=RateLimit)


class WebhookReceiver:
    """Turns webhook requests into :class:`PushEvent`\\ s handed to ``on_push``.

    ``on_push`` returns the names of the Applications it refreshed; they are answered
    back, sorted, as ``{"refreshed": [...]}``.
    """

    def __init__(
        self,
        secrets: WebhookSecrets,
        on_push: Callable[[PushEvent], Iterable[str]],
        *,
        clock: Callable[[], float],
        options: ReceiverOptions | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._secrets = secrets
        self._on_push = on_push
        self._options = options or ReceiverOptions()
        self._buckets = TokenBuckets(self._options.rate, clock)
        self._metrics = metrics
        self._warned_unverified: set[Provider] = set()
        self._warn_lock = threading.Lock()

    def admit(self, client: str, headers: Mapping[str, str]) -> Reply | None:
        """A reply refusing the request before its body is read, or None to go on."""
        provider = detect_provider(headers)
        refusal: tuple[int, str, Outcome] | None = None
        length = headers.get("content-length", "")
        if not self._buckets.allow(client):
            refusal = (429, "too many requests", Outcome.RATE_LIMITED)
        elif not length.isdigit():
            refusal = (411, "Content-Length required", Outcome.BAD_REQUEST)
        elif int(length) > self._options.max_body:
            limit = self._options.max_body
            refusal = (413, f"payload larger than {limit} bytes", Outcome.TOO_LARGE)
        if refusal is None:
            return None
        status, message, outcome = refusal
        return self._finish(status, {"error": message}, outcome, provider, read_body=False)

    def handle(self, headers: Mapping[str, str], body: bytes) -> Reply:
        """Verify, parse and dispatch one request whose headers :meth:`admit` let through."""
        provider = detect_provider(headers)
        verdict = verify_request(provider, headers, body, self._secrets)
        if verdict is Verdict.REJECTED:
            body_out = {"error": "signature or token verification failed"}
            return self._finish(401, body_out, Outcome.UNAUTHORIZED, provider)
        if verdict is Verdict.UNVERIFIED:
            self._warn_unverified_once(provider)
        try:
            event = parse_push(provider, headers, body)
        except WebhookError as e:
            return self._finish(400, {"error": str(e)}, Outcome.BAD_REQUEST, provider)
        if event is None:
            ignored = {"ignored": event_name(provider, headers)}
            return self._finish(200, ignored, Outcome.IGNORED, provider)
        return self._dispatch(event)

    def _dispatch(self, event: PushEvent) -> Reply:
        urls = ", ".join(strip_credentials(url) for url in event.repo_urls)
        log.info("%s push to %s at %s", event.provider, urls, event.revision or "any revision")
        try:
            refreshed = sorted(set(self._on_push(event)))
        except Exception:
            log.exception("%s push to %s: refreshing Applications failed", event.provider, urls)
            return self._finish(500, {"error": "internal error"}, Outcome.ERROR, event.provider)
        return self._finish(200, {"refreshed": refreshed}, Outcome.ACCEPTED, event.provider)

    def _finish(
        self,
        status: int,
        body: dict[str, Any],
        outcome: Outcome,
        provider: Provider,
        *,
        read_body: bool = True,
    ) -> Reply:
        if self._metrics is not None:
            self._metrics.count_webhook_request(provider, outcome)
        return Reply(status, body, outcome, provider, read_body=read_body)

    def _warn_unverified_once(self, provider: Provider) -> None:
        with self._warn_lock:
            if provider in self._warned_unverified:
                return
            self._warned_unverified.add(provider)
        log.warning(
            "%s webhooks are accepted without verification: no secret is configured for them",
            provider,
        )


def lower_case_headers(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """HTTP headers with lower-case names (the last of repeated headers wins)."""
    return {name.lower(): value for name, value in items}
