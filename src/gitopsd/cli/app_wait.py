"""Waiting on an Application: for one operation to finish (``app sync``/``rollback``), for
sync/health/operation conditions (``app wait``), for it to be gone (``app delete --wait``).

Waits poll the Application with a GET every half second until a condition holds or the
timeout passes; the clock and the sleep are parameters so the loop can be driven in tests.
Progress is one printed line per change (phase, message, per-resource result), which
reads well in CI logs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import HealthStatus, OperationPhase, SyncStatus

POLL_SECONDS = 0.5
DEFAULT_TIMEOUT = 300.0
T = TypeVar("T")
R = TypeVar("R")


def add_timeout_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds to wait (default {DEFAULT_TIMEOUT:.0f}); exit 3 past it",
    )


@dataclass(frozen=True)
class Poller:
    """How to wait: the monotonic clock, the sleep and the interval between looks."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    interval: float = POLL_SECONDS

    def until(
        self, fetch: Callable[[], T], check: Callable[[T], R | None], timeout: float
    ) -> tuple[R | None, T]:
        """Fetch and check until ``check`` returns a value; (None, last) on timeout."""
        deadline = self.clock() + timeout
        while True:
            value = fetch()
            result = check(value)
            if result is not None:
                return result, value
            remaining = deadline - self.clock()
            if remaining <= 0:
                return None, value
            self.sleep(min(self.interval, remaining))


@dataclass
class ProgressTracker:
    """Turns successive ``operationState`` snapshots into lines about what changed."""

    phase_line: str = ""
    results: dict[ResourceKey, str] = field(default_factory=dict)

    def lines(self, state: dict[str, Any] | None) -> list[str]:
        if state is None:
            return self._once("waiting for the controller to start the operation")
        lines = []
        for entry in (state.get("syncResult") or {}).get("resources") or []:
            key, text = _result_line(entry)
            if self.results.get(key) != text:
                self.results[key] = text
                lines.append(text)
        phase = str(state.get("phase") or "")
        message = str(state.get("message") or "")
        lines.extend(self._once(f"{phase}: {message}" if message else phase))
        return lines

    def _once(self, line: str) -> list[str]:
        if line == self.phase_line:
            return []
        self.phase_line = line
        return [line]


def _result_line(entry: dict[str, Any]) -> tuple[ResourceKey, str]:
    key = ResourceKey.of_entry(entry)
    parts = [f"  {key}: {entry.get('result') or entry.get('status') or ''}"]
    if entry.get("hookType"):
        hook = f"{entry['hookType']} hook"
        if entry.get("hookPhase"):
            hook = f"{hook} {entry['hookPhase']}"
        parts.append(f"({hook})")
    if entry.get("message"):
        parts.append(f"- {entry['message']}")
    return key, " ".join(parts)


@dataclass(frozen=True)
class WaitFor:
    """The conditions of ``app wait``; with none chosen, all three."""

    sync: bool = False
    health: bool = False
    operation: bool = False

    def chosen(self) -> WaitFor:
        if self.sync or self.health or self.operation:
            return self
        return WaitFor(sync=True, health=True, operation=True)


def unmet_conditions(app: dict[str, Any], wanted: WaitFor) -> list[str]:
    """What ``app`` still lacks, as ``sync Synced (now OutOfSync)`` phrases; [] when done."""
    status = app.get("status") or {}
    unmet = []
    if wanted.sync:
        sync = str((status.get("sync") or {}).get("status") or "Unknown")
        if sync != SyncStatus.SYNCED:
            unmet.append(f"sync {SyncStatus.SYNCED} (now {sync})")
    if wanted.health:
        health = str((status.get("health") or {}).get("status") or "Unknown")
        if health != HealthStatus.HEALTHY:
            unmet.append(f"health {HealthStatus.HEALTHY} (now {health})")
    if wanted.operation:
        phase = str((status.get("operationState") or {}).get("phase") or "")
        if app.get("operation") is not None or phase == OperationPhase.RUNNING:
            unmet.append(f"no operation running (now {phase or 'requested'})")
    return unmet
