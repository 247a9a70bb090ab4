"""Audit trail: Kubernetes Events on the Application and structured log lines.

Every event is also logged as one JSON-able record carrying application, revision,
commit author, action and initiator, so "who deployed what, when" is answerable from
logs as well as from ``status.history``.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
from typing import Any

from gitopsd.cluster import KubeCluster
from gitopsd.sync.reconciler import AppEvent

log = logging.getLogger("gitopsd.audit")
INSTANCE = socket.gethostname()


def event_body(
    app: dict[str, Any], event: AppEvent, now: dt.datetime, instance: str = ""
) -> dict[str, Any]:
    """A core/v1 Event about ``app``; ``instance`` (the replica, with sharding; the host
    name otherwise) says which controller process reported it."""
    meta = app.get("metadata") or {}
    stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    micro = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"generateName": f"{meta.get('name')}.", "namespace": meta.get("namespace")},
        "involvedObject": {
            "apiVersion": app.get("apiVersion"),
            "kind": app.get("kind"),
            "name": meta.get("name"),
            "namespace": meta.get("namespace"),
            "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"),
        },
        "reason": event.reason,
        "message": event.message[:1000],
        "type": event.type,
        "source": {"component": "gitopsd"},
        "reportingComponent": "gitopsd",
        "reportingInstance": instance or INSTANCE,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "eventTime": micro,
        "action": event.reason,
        "count": 1,
    }


def record(
    cluster: KubeCluster,
    app: dict[str, Any],
    events: list[AppEvent],
    now: dt.datetime,
    instance: str = "",
) -> None:
    meta = app.get("metadata") or {}
    status = app.get("status") or {}
    operation = (status.get("operationState") or {}).get("operation") or {}
    initiator = operation.get("initiatedBy") or {}
    history = status.get("history") or [{}]
    for event in events:
        cluster.create_event(event_body(app, event, now, instance))
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
