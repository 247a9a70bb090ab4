"""The webhook server over real HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitopsd.webhook import PushEvent, WebhookSecrets, WebhookServer

BODY = (Path(__file__).parent / "testdata" / "gitlab-push.json").read_bytes()
TOKEN = "gitlab-token"


@pytest.fixture
def server() -> Iterator[tuple[WebhookServer, list[PushEvent]]]:
    events: list[PushEvent] = []

    def on_push(event: PushEvent) -> list[str]:
        events.append(event)
        return ["gitopsd/diaspora"]

    webhook = WebhookServer(
        WebhookSecrets(gitlab=TOKEN), on_push, port=0, host="127.0.0.1", max_body=4096
    )
    webhook.start()
    try:
        yield webhook, events
    finally:
        webhook.stop()


def send(
    port: int, body: bytes, headers: dict[str, str], path: str = "/api/webhook"
) -> tuple[int, dict]:  # type: ignore[type-arg]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_gitlab_push_over_http(server: tuple[WebhookServer, list[PushEvent]]) -> None:
    webhook, events = server
    headers = {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": TOKEN}
    assert send(webhook.port, BODY, headers) == (200, {"result": "accepted", "refreshed": 1})
    assert [(e.provider, e.revision) for e in events] == [("gitlab", "master")]


def test_wrong_token_over_http(server: tuple[WebhookServer, list[PushEvent]]) -> None:
    webhook, events = server
    headers = {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "nope"}
    assert send(webhook.port, BODY, headers)[0] == 401
    assert events == []


def test_oversized_body_over_http(server: tuple[WebhookServer, list[PushEvent]]) -> None:
    webhook, events = server
    body = json.dumps({"repoURL": "https://git.example.com/x", "pad": "x" * 200_000}).encode()
    signature = hmac.new(b"unused", body, hashlib.sha256).hexdigest()
    status, answer = send(webhook.port, body, {"X-Gitopsd-Signature": f"sha256={signature}"})
    assert status == 413
    assert "larger than 4096 bytes" in answer["error"]
    assert events == []


def test_unknown_path_over_http(server: tuple[WebhookServer, list[PushEvent]]) -> None:
    webhook, _ = server
    assert send(webhook.port, BODY, {}, path="/webhook")[0] == 404


def test_port_zero_picks_a_free_port(server: tuple[WebhookServer, list[PushEvent]]) -> None:
    webhook, _ = server
    assert webhook.port > 0
