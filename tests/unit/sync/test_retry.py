"""Sync retries: back to Running with a growing back-off until the limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gitopsd.spec import parse_application_spec
from gitopsd.sync.operation_state import maybe_retry, waiting_for_retry

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def spec(retry: dict[str, Any] | None) -> Any:
    policy = {"retry": retry} if retry else {}
    return parse_application_spec(
        {
            "source": {"repoURL": "https://git.example.com/r.git", "path": "."},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "x"},
            "syncPolicy": policy,
        }
    )


def failed(count: int) -> dict[str, Any]:
    return {"phase": "Failed", "message": "ConfigMap/x/a: boom", "retryCount": count}


def test_no_retry_policy_keeps_the_failure() -> None:
    state, delay = maybe_retry(failed(0), spec(None), NOW, "")
    assert delay is None and state["phase"] == "Failed"


def test_retries_back_off_and_stop_at_the_limit() -> None:
    policy = spec({"limit": 3, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "12s"}})
    delays = []
    for count in range(4):
        state, delay = maybe_retry(failed(count), policy, NOW, "")
        delays.append(delay)
        if delay is not None:
            assert state["phase"] == "Running"
            assert state["retryCount"] == count + 1
            assert state["message"].startswith(f"retrying attempt #{count + 1}")
    assert delays == [5.0, 10.0, 12.0, None]


def test_a_retry_waits_until_its_time() -> None:
    policy = spec({"limit": -1, "backoff": {"duration": "30s"}})
    state, _ = maybe_retry(failed(0), policy, NOW, "")
    assert waiting_for_retry(state, NOW + dt.timedelta(seconds=10)) == 20.0
    assert waiting_for_retry(state, NOW + dt.timedelta(seconds=31)) is None
