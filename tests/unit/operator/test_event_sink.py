"""Events reach the API server from the EventSink's own thread, in order, so a worker that
records them never waits on the API server; a flood is bounded and a failure is skipped."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from gitopsd.operator.audit import EventSink, record
from gitopsd.sync.reconciler import AppEvent

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
APP = {
    "apiVersion": "gitopsd.io/v1alpha1",
    "kind": "Application",
    "metadata": {"name": "web", "namespace": "gitopsd", "uid": "u1", "resourceVersion": "7"},
}


class SlowApiServer:
    """Accepts Events only while ``open`` is set; can fail the ones whose reason it names."""

    def __init__(self, fail_reason: str = "") -> None:
        self.open = threading.Event()
        self.posted: list[str] = []
        self.fail_reason = fail_reason

    def create_event(self, event: dict[str, Any]) -> None:
        assert self.open.wait(10), "the test never opened the server"
        if event["reason"] == self.fail_reason:
            raise RuntimeError("500 from the API server")
        self.posted.append(str(event["reason"]))


def test_recording_does_not_wait_for_the_api_server() -> None:
    server = SlowApiServer()
    sink = EventSink(server)
    events = [AppEvent("Normal", f"Step{i}", f"step {i}") for i in range(5)]
    started = time.monotonic()
    record(sink, APP, events, NOW)
    assert time.monotonic() - started < 1.0  # the server has not answered anything yet
    assert server.posted == []
    server.open.set()
    assert sink.flush(timeout=10)
    assert server.posted == [f"Step{i}" for i in range(5)]  # in order
    sink.stop()


def test_a_flood_is_bounded_and_counted() -> None:
    server = SlowApiServer()
    sink = EventSink(server, capacity=2, threads=1)
    record(sink, APP, [AppEvent("Normal", "First", "posting, held by the server")], NOW)
    deadline = time.monotonic() + 5
    while sink._waiting() and time.monotonic() < deadline:  # the first is taken for posting
        time.sleep(0.01)
    record(sink, APP, [AppEvent("Normal", f"E{i}", "waiting") for i in range(3)], NOW)
    assert sink.dropped == 1
    server.open.set()
    assert sink.flush(timeout=10)
    assert server.posted == ["First", "E0", "E1"]
    sink.stop()


def test_a_failed_event_does_not_stop_the_ones_after_it() -> None:
    server = SlowApiServer(fail_reason="Broken")
    server.open.set()
    sink = EventSink(server)
    events = [AppEvent("Normal", r, r) for r in ("Before", "Broken", "After")]
    record(sink, APP, events, NOW)
    assert sink.flush(timeout=10)
    assert server.posted == ["Before", "After"]
    sink.stop()


def test_stop_posts_what_was_handed_over_then_ends_the_thread() -> None:
    server = SlowApiServer()
    server.open.set()
    sink = EventSink(server)
    record(sink, APP, [AppEvent("Normal", "Last", "before stop")], NOW)
    sink.stop()
    for thread in sink._threads:
        thread.join(timeout=10)
        assert not thread.is_alive()
    assert server.posted == ["Last"]


def test_each_application_keeps_its_order_across_threads() -> None:
    server = SlowApiServer()
    server.open.set()
    sink = EventSink(server, threads=4)
    for name in ("web", "api", "db", "cache", "queue"):
        app = {**APP, "metadata": {**APP["metadata"], "name": name}}
        record(sink, app, [AppEvent("Normal", f"{name}-{i}", "") for i in range(20)], NOW)
    assert sink.flush(timeout=10)
    for name in ("web", "api", "db", "cache", "queue"):
        mine = [reason for reason in server.posted if reason.startswith(f"{name}-")]
        assert mine == [f"{name}-{i}" for i in range(20)]
    sink.stop()
