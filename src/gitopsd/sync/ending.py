"""Ending operations that cannot go on, so that every operation ends exactly once.

- A requested sync that cannot start (the spec is invalid, the revision cannot be
  fetched or rendered) ends at once in ``Error`` with the reason, and the request is
  consumed: ``gitopsd app sync`` prints the reason and the next request is not refused.
- ``gitopsd.io/terminate-operation`` ends the operation whatever its state: running,
  waiting for a retry, or requested and not yet started.
- An attempt running longer than the operation timeout ends ``Failed``.

Pure: the reconciler passes the Application, its previous status and the time, and
applies the :class:`Ending` (deleting the operation's hooks where it can reach the
cluster). Called by :mod:`gitopsd.sync.reconciler`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from gitopsd.model.annotations import TERMINATE_OPERATION_ANNOTATION
from gitopsd.model.vocab import OperationPhase
from gitopsd.sync import operation_state as opstate
from gitopsd.sync.passes import AppEvent

TERMINATED = "operation terminated"


@dataclass(frozen=True)
class Ending:
    """An operation ended in this pass: its final state and what to tell people."""

    state: dict[str, Any]
    event: AppEvent
    clear_request: bool  # the Application still carries the request: consume it

    @property
    def phase(self) -> str:
        return str(self.state.get("phase", ""))


def terminate_requested(app: dict[str, Any]) -> bool:
    annotations = (app.get("metadata") or {}).get("annotations") or {}
    return bool(annotations.get(TERMINATE_OPERATION_ANNOTATION))


def terminated(app: dict[str, Any], stamp: str) -> Ending | None:
    """The ending the terminate annotation asks for, or None (no annotation, or no
    operation requested or running)."""
    if not terminate_requested(app):
        return None
    return _end(app, OperationPhase.FAILED, TERMINATED, stamp, reason="OperationTerminated")


def timed_out(
    app: dict[str, Any], timeout_seconds: float, now: dt.datetime, stamp: str
) -> Ending | None:
    """The ending of a running attempt older than ``timeout_seconds`` (0: no timeout)."""
    state = (app.get("status") or {}).get("operationState")
    if timeout_seconds <= 0 or not opstate.is_running(state):
        return None
    assert state is not None
    if opstate.waiting_for_retry(state, now) is not None:
        return None  # between attempts: the next attempt gets its own clock
    if opstate.attempt_age(state, now) <= timeout_seconds:
        return None
    last = str(state.get("message") or "no progress")
    message = f"operation timed out after {timeout_seconds:g}s: {last}"
    return _end(app, OperationPhase.FAILED, message, stamp)


def not_started(app: dict[str, Any], reason: str, stamp: str) -> Ending | None:
    """A requested sync that this pass could not start ends in ``Error`` with ``reason``;
    None when there is no such request (a running operation is left to retry)."""
    if not opstate.is_requested(app):
        return None
    state = (app.get("status") or {}).get("operationState")
    if opstate.is_continuation(state, app["operation"]):
        return None  # already running (the request was recorded, not yet cleared)
    return _end(app, OperationPhase.ERROR, reason, stamp)


def _end(
    app: dict[str, Any],
    phase: OperationPhase,
    message: str,
    stamp: str,
    *,
    reason: str = "OperationCompleted",
) -> Ending | None:
    operation = opstate.requested_or_running(app)
    if operation is None:
        return None
    previous = (app.get("status") or {}).get("operationState")
    state = opstate.start_or_continue(operation, previous, stamp)
    ended = opstate.end_operation(state, phase, message, stamp)
    text = message if reason == "OperationTerminated" else f"sync {phase}: {message}"
    return Ending(
        state=ended,
        event=AppEvent("Warning", reason, text),
        clear_request=opstate.is_requested(app),
    )
