"""Each provider's push payload becomes the same PushEvent shape (golden files in testdata/).

``testdata/<scenario>.json`` is the body as the provider sends it; ``<scenario>.yaml``
holds the request headers and the expected event, ``ignored`` or ``{error: ...}``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.errors import WebhookError
from gitopsd.webhook import detect_provider, parse_push
from gitopsd.webhook.receiving import lower_case_headers

TESTDATA = Path(__file__).parent / "testdata"
SCENARIOS = sorted(p.stem for p in TESTDATA.glob("*.yaml"))


def load_scenario(name: str) -> tuple[dict[str, str], bytes, Any]:
    case = yaml.safe_load((TESTDATA / f"{name}.yaml").read_text())
    headers = lower_case_headers((k, str(v)) for k, v in case["headers"].items())
    return headers, (TESTDATA / f"{name}.json").read_bytes(), case["expect"]


def as_golden(event: Any) -> dict[str, Any]:
    fields = dataclasses.asdict(event)
    return {k: list(v) if isinstance(v, tuple) else str(v) for k, v in fields.items()}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_push_payload(scenario: str) -> None:
    headers, body, expect = load_scenario(scenario)
    provider = detect_provider(headers)
    if isinstance(expect, dict) and "error" in expect:
        with pytest.raises(WebhookError, match=expect["error"]):
            parse_push(provider, headers, body)
        return
    event = parse_push(provider, headers, body)
    if expect == "ignored":
        assert event is None
        return
    assert as_golden(event) == expect


def test_every_payload_has_a_scenario() -> None:
    assert sorted(p.stem for p in TESTDATA.glob("*.json")) == SCENARIOS


@pytest.mark.parametrize(
    ("headers", "provider"),
    [
        ({"x-github-event": "push"}, "github"),
        ({"x-gitlab-event": "Push Hook"}, "gitlab"),
        ({"x-event-key": "repo:push", "x-hook-uuid": "{u}"}, "bitbucket"),
        ({"x-event-key": "pullrequest:created", "x-hook-uuid": "{u}"}, "bitbucket"),
        ({"x-event-key": "repo:refs_changed"}, "bitbucketserver"),
        ({"x-event-key": "diagnostics:ping"}, "bitbucketserver"),
        ({"x-gitea-event": "push", "x-github-event": "push"}, "gitea"),
        ({"x-gogs-event": "push", "x-github-event": "push"}, "gogs"),
        ({"content-type": "application/json"}, "generic"),
    ],
)
def test_provider_is_told_by_its_event_header(headers: dict[str, str], provider: str) -> None:
    assert detect_provider(headers) == provider


def test_a_json_array_is_not_a_push() -> None:
    with pytest.raises(WebhookError, match="not a JSON object"):
        parse_push(detect_provider({}), {}, b"[]")


def test_a_generic_push_needs_a_repository() -> None:
    with pytest.raises(WebhookError, match="no repository URL"):
        parse_push(detect_provider({}), {}, b'{"revision": "main"}')
