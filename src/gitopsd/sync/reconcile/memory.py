"""What the reconciler remembers about each Application between passes, in one store.

Three things live only in memory, and for each a restart that forgets them errs on the
safe side:

- self-heal attempts and when the last one started (the back-off between attempts; a
  restart heals at once, as a new controller would);
- the last orphaned-resources scan (a namespace-wide LIST of every kind, so at most one a
  minute; a restart scans again);
- when a ``Prune=confirm`` prune first became necessary (an approval counts only when
  newer; a restart asks for a fresh approval).

Everything else a pass needs is read from the Application and the cluster. Entries are
keyed by ``(namespace, name)`` and dropped with :meth:`AppMemory.forget` when the
Application is gone. Thread-safe: workers reconcile different Applications at once.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass

from gitopsd.model.keys import ResourceKey

AppKey = tuple[str, str]
ORPHAN_SCAN_SECONDS = 60.0


@dataclass(frozen=True)
class SelfHealState:
    attempts: int = 0
    last_at: dt.datetime | None = None


@dataclass(frozen=True)
class _OrphanScan:
    at: dt.datetime
    orphans: tuple[ResourceKey, ...]


class AppMemory:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._self_heal: dict[AppKey, SelfHealState] = {}
        self._orphan_scans: dict[AppKey, _OrphanScan] = {}
        self._prune_needed_since: dict[AppKey, dt.datetime] = {}

    # --- self-heal ----------------------------------------------------------------------
    def self_heal(self, key: AppKey) -> SelfHealState:
        with self._lock:
            return self._self_heal.get(key, SelfHealState())

    def healed(self, key: AppKey, now: dt.datetime) -> None:
        """A self-heal started now: one more attempt to back off from."""
        with self._lock:
            attempts = self._self_heal.get(key, SelfHealState()).attempts
            self._self_heal[key] = SelfHealState(attempts + 1, now)

    def in_sync(self, key: AppKey) -> None:
        """The Application is Synced: the self-heal back-off starts over."""
        with self._lock:
            self._self_heal.pop(key, None)

    # --- orphaned resources -------------------------------------------------------------
    def orphans(
        self, key: AppKey, now: dt.datetime, scan: Callable[[], list[ResourceKey]]
    ) -> tuple[ResourceKey, ...]:
        """The orphans of the last scan, scanning again when it is older than a minute."""
        with self._lock:
            cached = self._orphan_scans.get(key)
        if cached is None or (now - cached.at).total_seconds() > ORPHAN_SCAN_SECONDS:
            cached = _OrphanScan(now, tuple(scan()))
            with self._lock:
                self._orphan_scans[key] = cached
        return cached.orphans

    def not_watching_orphans(self, key: AppKey) -> None:
        with self._lock:
            self._orphan_scans.pop(key, None)

    # --- Prune=confirm ------------------------------------------------------------------
    def prune_needed_since(self, key: AppKey) -> dt.datetime | None:
        with self._lock:
            return self._prune_needed_since.get(key)

    def confirmation_pending(self, key: AppKey, now: dt.datetime, *, pending: bool) -> None:
        """Keep the moment a confirmation was first needed while one is pending."""
        with self._lock:
            if pending:
                self._prune_needed_since.setdefault(key, now)
            else:
                self._prune_needed_since.pop(key, None)

    # --- the Application is gone --------------------------------------------------------
    def forget(self, key: AppKey) -> None:
        with self._lock:
            self._self_heal.pop(key, None)
            self._orphan_scans.pop(key, None)
            self._prune_needed_since.pop(key, None)
