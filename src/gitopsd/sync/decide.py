"""Whether to start an automated sync, with Argo CD's semantics.

- Only when ``syncPolicy.automated`` is set and the application is OutOfSync.
- A revision (and source) already synced, or already attempted and failed, is synced
  again only with ``selfHeal`` — with a growing back-off between self-heal attempts —
  (or, for a failed one, when the operation's ``retry`` is configured, handled by the
  operation itself).
- An empty desired set never triggers an automated sync without ``allowEmpty``.
Pure: the caller passes the last operation state and the self-heal back-off state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from gitopsd.model.revisions import short_revision
from gitopsd.spec import ApplicationSpec


@dataclass(frozen=True)
class SelfHealBackoff:
    """2 s, times 3 per attempt, capped at 5 min by default (configurable)."""

    initial_seconds: float = 2.0
    factor: float = 3.0
    max_seconds: float = 300.0

    def delay(self, attempts: int) -> float:
        if attempts <= 0:
            return 0.0
        return float(min(self.initial_seconds * self.factor ** (attempts - 1), self.max_seconds))


@dataclass(frozen=True)
class AutoSyncDecision:
    start: bool
    reason: str
    self_heal: bool = False
    wait_seconds: float = 0.0


def decide_auto_sync(
    spec: ApplicationSpec,
    *,
    out_of_sync: bool,
    target_revisions: list[str],
    target_sources: list[dict[str, Any]],
    last_operation: dict[str, Any] | None,
    desired_count: int,
    self_heal_attempts: int,
    last_self_heal_at: dt.datetime | None,
    now: dt.datetime,
    backoff: SelfHealBackoff,
) -> AutoSyncDecision:
    automated = spec.sync_policy.automated
    if automated is None:
        return AutoSyncDecision(False, "automated sync is disabled")
    if not out_of_sync:
        return AutoSyncDecision(False, "in sync")
    if desired_count == 0 and not automated.allow_empty:
        return AutoSyncDecision(
            False, "skipping automated sync: the desired set is empty and allowEmpty is false"
        )
    result = (last_operation or {}).get("syncResult") or {}
    already = _same_target(result, target_revisions, target_sources)
    if not already:
        return AutoSyncDecision(True, f"automated sync to {_short(target_revisions)}")
    if not automated.self_heal:
        phase = (last_operation or {}).get("phase", "")
        return AutoSyncDecision(
            False,
            f"skipping automated sync: most recent sync ({phase}) already to "
            f"{_short(target_revisions)}; enable selfHeal to correct drift",
        )
    wait = backoff.delay(self_heal_attempts)
    if last_self_heal_at is not None and wait > 0:
        ready_at = last_self_heal_at + dt.timedelta(seconds=wait)
        if now < ready_at:
            remaining = (ready_at - now).total_seconds()
            return AutoSyncDecision(
                False, f"self-heal backing off for {remaining:.1f}s", wait_seconds=remaining
            )
    return AutoSyncDecision(True, "self-heal: live state drifted from Git", self_heal=True)


def _same_target(
    result: dict[str, Any], revisions: list[str], sources: list[dict[str, Any]]
) -> bool:
    last_revisions = result.get("revisions") or (
        [result["revision"]] if result.get("revision") else []
    )
    last_sources = result.get("sources") or ([result["source"]] if result.get("source") else [])
    return bool(last_revisions) and last_revisions == revisions and last_sources == sources


def _short(revisions: list[str]) -> str:
    return ",".join(short_revision(r) for r in revisions)
