"""The core/v1 Event that says something happened to an object (an Application, or any
object the controller reports on).

One shape for every reporter: the controller's audit trail (:mod:`gitopsd.operator.audit`)
and the API server's (:mod:`gitopsd.server.audit`) differ only in the component and the
instance they name. Pure: the caller posts the body.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from gitopsd.model.times import format_micro_time, format_time

MAX_MESSAGE = 1000


def event_about(
    obj: dict[str, Any],
    *,
    reason: str,
    message: str,
    event_type: str,
    now: dt.datetime,
    component: str,
    instance: str,
) -> dict[str, Any]:
    """A core/v1 Event about ``obj``, reported by ``component`` on ``instance`` (the
    replica or host); the message is cut to what the API server keeps."""
    meta = obj.get("metadata") or {}
    stamp = format_time(now)
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"generateName": f"{meta.get('name')}.", "namespace": meta.get("namespace")},
        "involvedObject": {
            "apiVersion": obj.get("apiVersion"),
            "kind": obj.get("kind"),
            "name": meta.get("name"),
            "namespace": meta.get("namespace"),
            "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"),
        },
        "reason": reason,
        "message": message[:MAX_MESSAGE],
        "type": event_type,
        "source": {"component": component},
        "reportingComponent": component,
        "reportingInstance": instance,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "eventTime": format_micro_time(now),
        "action": reason,
        "count": 1,
    }
