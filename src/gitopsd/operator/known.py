"""``KnownApplications``: the little the controller keeps about every Application, owned
or not.

With sharding a replica reconciles only its share, but it sees every Application's
events and must notice when one becomes its own. For each Application in scope it keeps
a 16-byte digest of what asks for a pass (so its own and other replicas' status writes
are not taken for changes), the tracking-label value its objects carry (so a change to
those objects finds the Application), and, for Applications another replica owns, when
their objects last changed (so a replica taking them over looks at those first). Bodies,
specs and statuses are never kept. Used by :mod:`gitopsd.operator.controller`.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from gitopsd.desired import tracking_label_value
from gitopsd.operator.queue import AppKey

# Managed-object changes of Applications owned elsewhere are remembered this long.
TOUCHED_SECONDS = 120.0


def intent_digest(app: dict[str, Any]) -> bytes:
    """What in an Application asks for a pass: everything but status and bookkeeping.
    For custom resources the generation moves with spec and ``operation``; annotations,
    labels, finalizers and deletion are metadata and are compared as they are."""
    meta = app.get("metadata") or {}
    intent = (
        meta.get("generation"),
        sorted((meta.get("annotations") or {}).items()),
        list(meta.get("finalizers") or ()),
        meta.get("deletionTimestamp"),
    )
    return hashlib.blake2b(repr(intent).encode(), digest_size=16).digest()


def key_of(app: dict[str, Any]) -> AppKey:
    meta = app.get("metadata") or {}
    return (str(meta.get("namespace")), str(meta.get("name")))


class KnownApplications:
    """Thread-safe; see the module docstring."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._intents: dict[AppKey, bytes] = {}
        self._labels: dict[str, AppKey] = {}
        self._touched: dict[AppKey, float] = {}

    def observe(self, app: dict[str, Any]) -> bool:
        """Record an Application as listed, added or modified; whether its intent changed
        (a first sighting counts as a change)."""
        key = key_of(app)
        digest = intent_digest(app)
        label = tracking_label_value(*key)
        with self._lock:
            changed = self._intents.get(key) != digest
            self._intents[key] = digest
            self._labels[label] = key
        return changed

    def remember_label(self, key: AppKey) -> None:
        with self._lock:
            self._labels[tracking_label_value(*key)] = key

    def forget(self, key: AppKey) -> None:
        with self._lock:
            self._intents.pop(key, None)
            self._labels.pop(tracking_label_value(*key), None)
            self._touched.pop(key, None)

    def listed(self) -> list[AppKey]:
        with self._lock:
            return sorted(self._intents)

    def by_label(self, label: str) -> AppKey | None:
        with self._lock:
            return self._labels.get(label)

    def touch(self, key: AppKey, now: float) -> None:
        """An object of ``key`` (owned by another replica) changed at ``now``."""
        with self._lock:
            self._touched[key] = now
            if len(self._touched) > 64:
                for stale in [k for k, t in self._touched.items() if now - t > TOUCHED_SECONDS]:
                    del self._touched[stale]

    def touched(self, key: AppKey, now: float) -> bool:
        with self._lock:
            at = self._touched.get(key)
        return at is not None and now - at <= TOUCHED_SECONDS
