"""The audit trail of the API: one JSON log record per action, and an Event on the
Application the action was about.

Actions are every write (sync, rollback, refresh, terminate, spec edits, delete), sign-in
and logout, and every refused request. The Event names the user, as Argo CD's do
(``admin initiated sync to HEAD``). Called by the handlers; Events are written from a
worker thread and are best effort.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from gitopsd.cluster import KubeCluster
from gitopsd.model.events import event_about

log = logging.getLogger("gitopsd.audit")
INSTANCE = socket.gethostname()
COMPONENT = "gitopsd-server"


@dataclass(frozen=True)
class AuditRecord:
    user: str
    action: str  # e.g. "sync", "login"
    resource: str  # RBAC resource, e.g. "applications"
    result: str  # "allowed" | "denied" | "failed"
    source_ip: str
    groups: tuple[str, ...] = ()
    object: str = ""  # "<project>/<app>"
    project: str = ""
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        out = asdict(self)
        out["groups"] = list(self.groups)
        out.update(out.pop("extra"))
        return out


def log_record(record: AuditRecord) -> None:
    text = f"{record.user or '-'} {record.action} {record.resource} {record.object}: "
    log.info(text + record.result, extra={"audit": {"audit": True, **record.fields()}})


def event_body(
    app: dict[str, Any], reason: str, message: str, now: dt.datetime, event_type: str = "Normal"
) -> dict[str, Any]:
    return event_about(
        app,
        reason=reason,
        message=message,
        event_type=event_type,
        now=now.astimezone(dt.UTC),
        component=COMPONENT,
        instance=INSTANCE,
    )


class Audit:
    def __init__(self, cluster: KubeCluster, now: Callable[[], dt.datetime]) -> None:
        self._cluster = cluster
        self._now = now

    def record(self, record: AuditRecord) -> None:
        log_record(record)

    def event(self, app: dict[str, Any], reason: str, message: str) -> None:
        """Blocking: call from a worker thread."""
        self._cluster.create_event(event_body(app, reason, message, self._now()))
