"""How a pass ends early: a refusal, or an operation ended by request or timeout.

- :func:`refused`: the previous status, untouched but for the condition and what was
  compared (so a failed render never prunes); a requested sync that could not start ends
  in ``Error`` with the same message and is consumed; a running one stays, unless it is
  terminated or past its timeout.
- :func:`end_if_asked_or_overdue`: ``gitopsd.io/terminate-operation`` ends any operation
  (running, waiting for a retry, requested and not started), and an attempt past the
  operation timeout ends too; both delete this operation's hooks and end the pass.

Called by the reconciler; the pure rules are :mod:`gitopsd.sync.ending`'s.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from gitopsd.spec import compared_to
from gitopsd.status import Condition
from gitopsd.sync import ending
from gitopsd.sync import operation_state as opstate
from gitopsd.sync.environment import ReconcileSettings
from gitopsd.sync.operation import end_hooks
from gitopsd.sync.passes import Pass
from gitopsd.sync.reconcile.assess import Refusal
from gitopsd.sync.reconcile.report import error_status
from gitopsd.sync.reconcile.result import ReconcileResult, Stop


def refused(
    app: dict[str, Any],
    refusal: Refusal,
    *,
    now: dt.datetime,
    stamp: str,
    settings: ReconcileSettings,
) -> Stop:
    """End the pass with the previous status and the refusal's condition."""
    previous = copy.deepcopy(app.get("status") or {})
    status, events = error_status(
        previous,
        Condition(refusal.condition, refusal.message),
        stamp,
        revisions=refusal.revisions,
        compared_to=compared_to(app.get("spec") or {}),
    )
    result = ReconcileResult(status=status, events=events, failed=refusal.retry)
    ended = (
        ending.not_started(app, refusal.message, stamp)
        or ending.terminated(app, stamp)
        or ending.timed_out(app, settings.operation_timeout_seconds, now, stamp)
    )
    if ended is not None:
        status["operationState"] = ended.state
        result.events.append(ended.event)
        result.clear_operation = ended.clear_request
        result.synced, result.sync_phase = True, ended.phase
    return Stop(result)


def end_if_asked_or_overdue(p: Pass, settings: ReconcileSettings) -> None:
    """Raise Stop when the operation was terminated or ran past its timeout."""
    timeout = settings.operation_timeout_seconds
    ended = ending.terminated(p.app, p.stamp) or ending.timed_out(p.app, timeout, p.now, p.stamp)
    if ended is None:
        return
    results = end_hooks(
        p.subject.cluster,
        opstate.recorded_hook_keys(ended.state),
        opstate.sync_id(ended.state),
    )
    failures = "; ".join(r.message for r in results if r.failed)
    status = copy.deepcopy(p.previous)
    status["operationState"] = ended.state
    if failures:
        status["operationState"]["message"] += f"; {failures}"
    status["reconciledAt"] = p.stamp
    clear = ended.clear_request and bool(p.app.get("operation"))
    result = ReconcileResult(status, [ended.event], clear_operation=clear, synced=True)
    result.sync_phase = ended.phase
    raise Stop(result)
