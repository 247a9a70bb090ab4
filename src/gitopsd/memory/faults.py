"""Injectable faults: make chosen calls of a ``MemoryCluster`` fail as a real API server
or network would.

A :class:`Fault` names what fails (verb, kind, namespace, name, dry runs or real writes;
``None`` matches anything), how (:class:`FaultKind`), and how often (``times``; ``None``
is always). By default nothing is written when a fault fires; with ``after_write`` the
write happens and only the answer is lost, as when a connection drops after the server
committed. Tests add faults with ``MemoryCluster.inject``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gitopsd.errors import ClusterError, ClusterUnreachable, Conflict, Forbidden, Invalid, NotFound
from gitopsd.memory.calls import Call, Verb
from gitopsd.ports import NOT_SERVED


class FaultKind(StrEnum):
    NOT_SERVED = "NotServed"  # 404, the kind is not served (CRD missing)
    INVALID = "Invalid"  # 422, e.g. a schema or admission rejection
    CONFLICT = "Conflict"  # 409, e.g. a stale resourceVersion
    FORBIDDEN = "Forbidden"  # 403, RBAC
    SERVER_ERROR = "ServerError"  # 500
    UNAVAILABLE = "Unavailable"  # 503, e.g. an aggregated API or etcd down
    TIMEOUT = "Timeout"  # no answer in time


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    verb: Verb | None = None
    group_kind_name: str | None = None  # the kind's name, e.g. "Deployment"
    namespace: str | None = None
    name: str | None = None
    dry_run: bool | None = None  # True: only dry runs; False: only real writes
    times: int | None = 1  # how many calls fail; None: every matching call
    after_write: bool = False  # the write is made, then the answer is lost
    message: str = ""

    def matches(self, call: Call) -> bool:
        key = call.key
        return (
            (self.verb is None or self.verb == call.verb)
            and (
                self.group_kind_name is None
                or (key is not None and key.kind == self.group_kind_name)
                or call.target == self.group_kind_name
            )
            and (self.namespace is None or (key is not None and key.namespace == self.namespace))
            and (self.name is None or (key is not None and key.name == self.name))
            and (self.dry_run is None or self.dry_run == call.dry_run)
        )

    def error(self, what: str) -> ClusterError:
        detail = self.message or "injected fault"
        if self.kind == FaultKind.NOT_SERVED:
            return NotFound(f"{what}: kind is not served ({detail})", status=404, reason=NOT_SERVED)
        if self.kind == FaultKind.INVALID:
            return Invalid(f"{what}: {detail}", status=422, reason="Invalid")
        if self.kind == FaultKind.CONFLICT:
            return Conflict(f"{what}: {detail}", status=409, reason="Conflict")
        if self.kind == FaultKind.FORBIDDEN:
            return Forbidden(f"{what}: {detail}", status=403, reason="Forbidden")
        if self.kind == FaultKind.SERVER_ERROR:
            return ClusterError(f"{what}: {detail}", status=500, reason="InternalError")
        if self.kind == FaultKind.UNAVAILABLE:
            return ClusterError(f"{what}: {detail}", status=503, reason="ServiceUnavailable")
        return ClusterUnreachable(
            f"{what}: API server memory unreachable: TimeoutError ({detail})", status=0
        )


class FaultBook:
    """The faults in force, each with the number of calls it may still fail."""

    def __init__(self) -> None:
        self._active: list[tuple[Fault, list[int | None]]] = []

    def add(self, fault: Fault) -> None:
        self._active.append((fault, [fault.times]))

    def clear(self) -> None:
        self._active.clear()

    def take(self, call: Call) -> Fault | None:
        """The first fault matching ``call``, counting it as used."""
        for fault, remaining in self._active:
            left = remaining[0]
            if (left is None or left > 0) and fault.matches(call):
                if left is not None:
                    remaining[0] = left - 1
                return fault
        return None
