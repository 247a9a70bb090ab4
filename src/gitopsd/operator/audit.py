"""Audit trail: Kubernetes Events on the Application and structured log lines.

Every event is also logged as one JSON-able record carrying application, revision,
commit author, action and initiator, so "who deployed what, when" is answerable from
logs as well as from ``status.history``.

The controller's workers hand Events to an :class:`EventSink`, which posts them from one
thread of its own: a worker never waits on the API server for an Event (they are best
effort, as in client-go's recorder), while the log line is written at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
from collections import deque
from typing import Any, Protocol

from gitopsd.cluster import KubeCluster
from gitopsd.model.events import event_about
from gitopsd.sync.reconciler import AppEvent

log = logging.getLogger("gitopsd.audit")
INSTANCE = socket.gethostname()


def event_body(
    app: dict[str, Any], event: AppEvent, now: dt.datetime, instance: str = ""
) -> dict[str, Any]:
    """A core/v1 Event about ``app``; ``instance`` (the replica, with sharding; the host
    name otherwise) says which controller process reported it."""
    return event_about(
        app,
        reason=event.reason,
        message=event.message,
        event_type=event.type,
        now=now,
        component="gitopsd",
        instance=instance or INSTANCE,
    )


class EventPoster(Protocol):
    def create_event(self, event: dict[str, Any]) -> None: ...


class EventSink:
    """Posts Events from ``threads`` daemon threads. An Application's Events always go
    through the same thread, so they reach the API server in the order they happened;
    several threads keep up with a thousand syncs on a slow API server. At most
    ``capacity`` wait (more are dropped and counted in ``dropped``: a flood must not grow
    memory)."""

    def __init__(self, cluster: EventPoster, capacity: int = 10_000, threads: int = 4) -> None:
        self.cluster = cluster
        self.capacity = capacity
        self.dropped = 0
        self._lanes: list[deque[dict[str, Any]]] = [deque() for _ in range(threads)]
        self._posting = 0
        self._stopped = False
        self._changed = threading.Condition()
        self._threads = [
            threading.Thread(target=self._run, args=(lane,), name=f"event-sink-{i}", daemon=True)
            for i, lane in enumerate(self._lanes)
        ]
        for thread in self._threads:
            thread.start()

    def post(self, body: dict[str, Any]) -> None:
        involved = body.get("involvedObject") or {}
        lane = self._lanes[
            hash((involved.get("namespace"), involved.get("name"))) % len(self._lanes)
        ]
        with self._changed:
            if self._waiting() >= self.capacity:
                self.dropped += 1
                return
            lane.append(body)
            self._changed.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every Event handed over so far was posted (for tests and shutdown)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._waiting() and not self._posting, timeout
            )

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()

    def _waiting(self) -> int:
        return sum(len(lane) for lane in self._lanes)

    def _run(self, lane: deque[dict[str, Any]]) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: lane or self._stopped)
                if not lane:
                    return
                body = lane.popleft()
                self._posting += 1
            try:
                self.cluster.create_event(body)
            except Exception:  # best effort: a failed Event must not stop the sink
                log.debug("posting an Event failed", exc_info=True)
            finally:
                with self._changed:
                    self._posting -= 1
                    self._changed.notify_all()


def record(
    cluster: KubeCluster | EventSink,
    app: dict[str, Any],
    events: list[AppEvent],
    now: dt.datetime,
    instance: str = "",
) -> None:
    """Log each event and post it as a Kubernetes Event (through ``cluster`` itself, or
    handed to an :class:`EventSink`)."""
    meta = app.get("metadata") or {}
    status = app.get("status") or {}
    operation = (status.get("operationState") or {}).get("operation") or {}
    initiator = operation.get("initiatedBy") or {}
    history = status.get("history") or [{}]
    for event in events:
        body = event_body(app, event, now, instance)
        if isinstance(cluster, EventSink):
            cluster.post(body)
        else:
            cluster.create_event(body)
        log.info(
            event.message,
            extra={
                "application": f"{meta.get('namespace')}/{meta.get('name')}",
                "revision": (status.get("sync") or {}).get("revision", ""),
                "author": history[-1].get("author", ""),
                "action": event.reason,
                "initiator": "automated"
                if initiator.get("automated")
                else initiator.get("username", ""),
            },
        )
