"""The webhook request pipeline, free of sockets: admit, verify, parse, dispatch.

:class:`~gitopsd.webhook.server.WebhookServer` calls :meth:`WebhookReceiver.admit` with
the headers (before reading the body: rate limit 429, size cap 413, 411 without a
length), then :meth:`WebhookReceiver.handle` with the body (401 on a bad or missing
signature, 400 on an unparsable push, 200 otherwise). Each request is counted once in
``gitopsd_webhook_requests_total{provider,result}`` when a ``Metrics`` is given.

The caller is told as little as it needs: never which Applications follow a repository.
A signed push is answered with how many Applications it refreshed; an unsigned one only
with ``{"result": "accepted"}``, so an anonymous caller cannot probe which repositories
and branches the cluster deploys.
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
from gitopsd.webhook.verify import (
    ALLOW_UNSIGNED_PREFIX,
    SECRET_KEYS,
    Verdict,
    WebhookSecrets,
    verify_request,
)

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

    ``on_push`` returns the names of the Applications it refreshed; only their number is
    answered, and only to a verified caller (see the module docstring).
    ``allow_unsigned`` lists providers accepted without a secret of their own while
    others have one (``webhook.allowUnsigned.<provider>`` in ``gitopsd-cm``).
    """

    def __init__(
        self,
        secrets: WebhookSecrets,
        on_push: Callable[[PushEvent], Iterable[str]],
        *,
        clock: Callable[[], float],
        options: ReceiverOptions | None = None,
        metrics: Metrics | None = None,
        allow_unsigned: frozenset[Provider] = frozenset(),
    ) -> None:
        self._secrets = secrets
        self._on_push = on_push
        self._options = options or ReceiverOptions()
        self._buckets = TokenBuckets(self._options.rate, clock)
        self._metrics = metrics
        self._allow_unsigned = allow_unsigned
        self._warned: set[tuple[Provider, Verdict]] = set()
        self._warn_lock = threading.Lock()

    def allow_unsigned(self, providers: frozenset[Provider]) -> None:
        """Replace the providers accepted unsigned (``gitopsd-cm`` changed)."""
        self._allow_unsigned = providers

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
        verdict = verify_request(provider, headers, body, self._secrets, self._allow_unsigned)
        if verdict in (Verdict.REJECTED, Verdict.UNSIGNED_REFUSED):
            if verdict is Verdict.UNSIGNED_REFUSED:
                self._warn_once(provider, verdict)
            # One answer for both, so a caller cannot tell which providers have secrets.
            body_out = {"error": "signature or token verification failed"}
            return self._finish(401, body_out, Outcome.UNAUTHORIZED, provider)
        if verdict is Verdict.UNVERIFIED:
            self._warn_once(provider, verdict)
        try:
            event = parse_push(provider, headers, body)
        except WebhookError as e:
            return self._finish(400, {"error": str(e)}, Outcome.BAD_REQUEST, provider)
        if event is None:
            ignored = {"ignored": event_name(provider, headers)}
            return self._finish(200, ignored, Outcome.IGNORED, provider)
        return self._dispatch(event, verified=verdict is Verdict.VERIFIED)

    def _dispatch(self, event: PushEvent, *, verified: bool) -> Reply:
        urls = ", ".join(strip_credentials(url) for url in event.repo_urls)
        log.info("%s push to %s at %s", event.provider, urls, event.revision or "any revision")
        try:
            refreshed = len(set(self._on_push(event)))
        except Exception:
            log.exception("%s push to %s: refreshing Applications failed", event.provider, urls)
            return self._finish(500, {"error": "internal error"}, Outcome.ERROR, event.provider)
        log.info("%s push to %s: %d Applications refreshed", event.provider, urls, refreshed)
        answer: dict[str, Any] = {"result": "accepted"}
        if verified:
            answer["refreshed"] = refreshed
        return self._finish(200, answer, Outcome.ACCEPTED, event.provider)

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

    def _warn_once(self, provider: Provider, verdict: Verdict) -> None:
        with self._warn_lock:
            if (provider, verdict) in self._warned:
                return
            self._warned.add((provider, verdict))
        if verdict is Verdict.UNVERIFIED:
            log.warning(
                "%s webhooks are accepted without verification: no secret is configured for them",
                provider,
            )
            return
        log.warning(
            "%s webhooks are refused: %s is not set while other providers have secrets; set "
            'it, or %s%s: "true" in gitopsd-cm to accept them unsigned',
            provider,
            SECRET_KEYS[provider],
            ALLOW_UNSIGNED_PREFIX,
            provider.value,
        )


def lower_case_headers(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """HTTP headers with lower-case names (the last of repeated headers wins)."""
    return {name.lower(): value for name, value in items}
