"""Ending operations that cannot go on: requests that cannot start, terminations and
timeouts, each ending the operation once with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gitopsd.sync import ending

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
STAMP = "2026-11-23T12:00:00Z"
REQUEST = {"sync": {"prune": False}, "initiatedBy": {"username": "alice"}}


def running(started: str = "2026-11-23T11:00:00Z", **extra: Any) -> dict[str, Any]:
    return {
        "operation": REQUEST,
        "phase": "Running",
        "startedAt": started,
        "retryCount": 0,
        **extra,
    }


def app(**parts: Any) -> dict[str, Any]:
    return {"metadata": {"name": "web", "namespace": "gitopsd", **parts.pop("meta", {})}, **parts}


def test_a_request_that_cannot_start_ends_in_error_and_is_consumed() -> None:
    ended = ending.not_started(app(operation=REQUEST), "commit bbbbbbb: render failed", STAMP)
    assert ended is not None
    assert ended.state["phase"] == "Error"
    assert ended.state["message"] == "commit bbbbbbb: render failed"
    assert ended.state["operation"] == REQUEST
    assert ended.state["startedAt"] == ended.state["finishedAt"] == STAMP
    assert ended.clear_request
    assert ended.event.reason == "OperationCompleted"


def test_a_running_operation_is_left_to_retry_after_a_failed_pass() -> None:
    assert ending.not_started(app(status={"operationState": running()}), "boom", STAMP) is None
    # Recorded but not yet cleared (a crash between the two writes): still running.
    both = app(operation=REQUEST, status={"operationState": running()})
    assert ending.not_started(both, "boom", STAMP) is None


def test_terminate_ends_a_requested_running_or_waiting_operation() -> None:
    asked = {"annotations": {"gitopsd.io/terminate-operation": "true"}}
    for body in (
        app(meta=asked, operation=REQUEST),
        app(meta=asked, status={"operationState": running()}),
        app(meta=asked, status={"operationState": running(nextRetryAt="2026-11-23T13:00:00Z")}),
    ):
        ended = ending.terminated(body, STAMP)
        assert ended is not None
        assert (ended.state["phase"], ended.state["message"]) == ("Failed", "operation terminated")
        assert "nextRetryAt" not in ended.state
        assert ended.event.reason == "OperationTerminated"
    assert ending.terminated(app(meta=asked), STAMP) is None  # nothing to end
    assert ending.terminated(app(operation=REQUEST), STAMP) is None  # not asked


def test_an_attempt_past_the_timeout_fails_with_its_last_message() -> None:
    slow = app(status={"operationState": running(message="waiting for PreSync wave 0")})
    assert ending.timed_out(slow, 7200, NOW, STAMP) is None
    ended = ending.timed_out(slow, 1800, NOW, STAMP)
    assert ended is not None
    assert ended.state["message"] == ("operation timed out after 1800s: waiting for PreSync wave 0")
    assert ending.timed_out(slow, 0, NOW, STAMP) is None  # 0: no timeout


def test_a_retry_gets_its_own_clock() -> None:
    retried = running(nextRetryAt="2026-11-23T11:55:00Z")
    body = app(status={"operationState": retried})
    assert ending.timed_out(body, 600, NOW, STAMP) is None  # 5 min into the retry
    waiting = app(status={"operationState": running(nextRetryAt="2026-11-23T12:30:00Z")})
    assert ending.timed_out(waiting, 60, NOW, STAMP) is None  # between attempts
