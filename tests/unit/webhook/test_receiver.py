"""The request pipeline without sockets: status codes, dispatch, and what gets counted."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gitopsd.metrics import Metrics
from gitopsd.webhook import (
    Outcome,
    Provider,
    PushEvent,
    RateLimit,
    ReceiverOptions,
    WebhookReceiver,
    WebhookSecrets,
)

TESTDATA = Path(__file__).parent / "testdata"
GITHUB_BODY = (TESTDATA / "github-push.json").read_bytes()
SECRET = "hook-secret"


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    """An on_push callback that remembers the events and refreshes two apps."""

    def __init__(self) -> None:
        self.events: list[PushEvent] = []

    def __call__(self, event: PushEvent) -> list[str]:
        self.events.append(event)
        return ["web", "api", "web"]


def github_headers(body: bytes, secret: str = SECRET) -> dict[str, str]:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "x-github-event": "push",
        "x-hub-signature-256": f"sha256={signature}",
        "content-length": str(len(body)),
    }


def make_receiver(
    *, secrets: WebhookSecrets | None = None, options: ReceiverOptions | None = None
) -> tuple[WebhookReceiver, Recorder, Metrics, FakeClock]:
    recorder, metrics, clock = Recorder(), Metrics(), FakeClock()
    receiver = WebhookReceiver(
        secrets or WebhookSecrets(github=SECRET),
        recorder,
        clock=clock,
        options=options,
        metrics=metrics,
    )
    return receiver, recorder, metrics, clock


def post(receiver: WebhookReceiver, headers: dict[str, str], body: bytes) -> tuple[int, dict]:  # type: ignore[type-arg]
    reply = receiver.admit("192.0.2.10", headers) or receiver.handle(headers, body)
    return reply.status, json.loads(reply.json_body())


def webhook_counts(metrics: Metrics) -> dict[tuple[str, str], float]:
    counts = {}
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            if sample.name == "gitopsd_webhook_requests_total":
                counts[(sample.labels["provider"], sample.labels["result"])] = sample.value
    return counts


def test_signed_push_is_dispatched_and_answered_with_a_count_never_names() -> None:
    receiver, recorder, metrics, _ = make_receiver()
    status, body = post(receiver, github_headers(GITHUB_BODY), GITHUB_BODY)
    assert (status, body) == (200, {"result": "accepted", "refreshed": 2})
    assert [e.revision for e in recorder.events] == ["main"]
    assert webhook_counts(metrics) == {("github", "accepted"): 1.0}


def test_wrong_signature_is_401_and_not_dispatched() -> None:
    receiver, recorder, metrics, _ = make_receiver()
    status, _ = post(receiver, github_headers(GITHUB_BODY, secret="guess"), GITHUB_BODY)
    assert status == 401
    assert recorder.events == []
    assert webhook_counts(metrics) == {("github", "unauthorized"): 1.0}


def test_missing_signature_is_401_when_a_secret_is_configured() -> None:
    receiver, recorder, _, _ = make_receiver()
    headers = {"x-github-event": "push", "content-length": str(len(GITHUB_BODY))}
    assert post(receiver, headers, GITHUB_BODY)[0] == 401
    assert recorder.events == []


def test_unverified_pushes_are_accepted_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    receiver, recorder, _, _ = make_receiver(secrets=WebhookSecrets())
    headers = {"x-github-event": "push", "content-length": str(len(GITHUB_BODY))}
    with caplog.at_level(logging.WARNING, logger="gitopsd.webhook"):
        for _ in range(3):
            # An anonymous caller learns nothing about which Applications follow what.
            assert post(receiver, headers, GITHUB_BODY) == (200, {"result": "accepted"})
    assert len(recorder.events) == 3
    warnings = [r for r in caplog.records if "without verification" in r.getMessage()]
    assert len(warnings) == 1


def test_unparsable_payload_is_400() -> None:
    receiver, recorder, metrics, _ = make_receiver()
    body = b'{"ref": "refs/heads/main"'
    status, answer = post(receiver, github_headers(body), body)
    assert status == 400
    assert "not valid JSON" in answer["error"]
    assert recorder.events == []
    assert webhook_counts(metrics) == {("github", "bad_request"): 1.0}


def test_ping_is_200_and_ignored() -> None:
    receiver, recorder, metrics, _ = make_receiver()
    body = (TESTDATA / "github-ping.json").read_bytes()
    headers = github_headers(body) | {"x-github-event": "ping"}
    assert post(receiver, headers, body) == (200, {"ignored": "ping"})
    assert recorder.events == []
    assert webhook_counts(metrics) == {("github", "ignored"): 1.0}


def test_body_over_the_cap_is_413_before_reading_it() -> None:
    receiver, _, metrics, _ = make_receiver(options=ReceiverOptions(max_body=1024))
    headers = github_headers(GITHUB_BODY)
    reply = receiver.admit("192.0.2.10", headers)
    assert reply is not None
    assert (reply.status, reply.read_body) == (413, False)
    assert webhook_counts(metrics) == {("github", "too_large"): 1.0}


def test_body_at_the_cap_is_read() -> None:
    options = ReceiverOptions(max_body=len(GITHUB_BODY))
    receiver, _, _, _ = make_receiver(options=options)
    assert receiver.admit("192.0.2.10", github_headers(GITHUB_BODY)) is None


def test_missing_length_is_411() -> None:
    receiver, _, _, _ = make_receiver()
    reply = receiver.admit("192.0.2.10", {"x-github-event": "push"})
    assert reply is not None
    assert reply.status == 411


def test_rate_limit_is_429_per_client_and_recovers() -> None:
    options = ReceiverOptions(rate=RateLimit(per_second=1, burst=2))
    receiver, recorder, metrics, clock = make_receiver(options=options)
    headers = github_headers(GITHUB_BODY)
    statuses = [post(receiver, headers, GITHUB_BODY)[0] for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert receiver.admit("198.51.100.7", headers) is None  # another client
    clock.now += 1.0
    assert post(receiver, headers, GITHUB_BODY)[0] == 200
    assert len(recorder.events) == 3
    assert webhook_counts(metrics)[("github", "rate_limited")] == 1.0


def test_failing_callback_is_500() -> None:
    def broken(event: PushEvent) -> list[str]:
        raise RuntimeError("apiserver down")

    receiver = WebhookReceiver(WebhookSecrets(), broken, clock=FakeClock())
    headers = {"x-github-event": "push", "content-length": str(len(GITHUB_BODY))}
    reply = receiver.handle(headers, GITHUB_BODY)
    assert (reply.status, reply.outcome) == (500, Outcome.ERROR)
    assert "apiserver" not in reply.json_body().decode()


GITLAB_BODY = (TESTDATA / "gitlab-push.json").read_bytes()
GENERIC_BODY = (TESTDATA / "generic-push.json").read_bytes()
UNSIGNED = [
    ("gitlab", {"x-gitlab-event": "Push Hook"}, GITLAB_BODY),
    ("generic", {}, GENERIC_BODY),
]


@pytest.mark.parametrize(("provider", "headers", "body"), UNSIGNED, ids=[u[0] for u in UNSIGNED])
def test_unsigned_push_is_refused_when_another_provider_has_a_secret(
    provider: str, headers: dict[str, str], body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    receiver, recorder, metrics, _ = make_receiver(secrets=WebhookSecrets(github=SECRET))
    headers = headers | {"content-length": str(len(body))}
    with caplog.at_level(logging.WARNING, logger="gitopsd.webhook"):
        for _ in range(2):
            status, answer = post(receiver, headers, body)
            assert (status, answer) == (401, {"error": "signature or token verification failed"})
    assert recorder.events == []
    assert webhook_counts(metrics) == {(provider, "unauthorized"): 2.0}
    warnings = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(warnings) == 1
    assert f'webhook.allowUnsigned.{provider}: "true"' in warnings[0]
    assert SECRET not in caplog.text


@pytest.mark.parametrize(("provider", "headers", "body"), UNSIGNED, ids=[u[0] for u in UNSIGNED])
def test_unsigned_push_is_accepted_only_when_explicitly_allowed(
    provider: str, headers: dict[str, str], body: bytes
) -> None:
    receiver, recorder, _, _ = make_receiver(secrets=WebhookSecrets(github=SECRET))
    headers = headers | {"content-length": str(len(body))}
    receiver.allow_unsigned(frozenset({Provider(provider)}))
    assert post(receiver, headers, body) == (200, {"result": "accepted"})
    assert len(recorder.events) == 1
    receiver.allow_unsigned(frozenset())  # gitopsd-cm changed back
    assert post(receiver, headers, body)[0] == 401
    assert len(recorder.events) == 1


def test_allowing_one_provider_unsigned_leaves_the_others_refused() -> None:
    receiver, recorder, _, _ = make_receiver(secrets=WebhookSecrets(github=SECRET))
    receiver.allow_unsigned(frozenset({Provider.GITLAB}))
    headers = {"content-length": str(len(GENERIC_BODY))}
    assert post(receiver, headers, GENERIC_BODY)[0] == 401
    assert recorder.events == []


def test_a_signed_provider_is_still_verified_when_others_are_allowed_unsigned() -> None:
    receiver, recorder, _, _ = make_receiver(secrets=WebhookSecrets(github=SECRET))
    receiver.allow_unsigned(frozenset(Provider))
    assert post(receiver, github_headers(GITHUB_BODY, secret="guess"), GITHUB_BODY)[0] == 401
    assert recorder.events == []
