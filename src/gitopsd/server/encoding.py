"""JSON encodings of cached objects, made once per resourceVersion and reused.

Encoding a thousand Applications takes far longer than filtering them; an object's JSON
only changes with its resourceVersion, so each is encoded once and lists are joined from
the stored bytes. Called by the list handler.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any


def dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


class EncodedObjects:
    def __init__(self) -> None:
        self._encoded: dict[tuple[str, str], tuple[str, bytes]] = {}
        self._lock = threading.Lock()

    def encode(self, obj: dict[str, Any]) -> bytes:
        metadata = obj.get("metadata") or {}
        key = (str(metadata.get("namespace") or ""), str(metadata.get("name") or ""))
        version = str(metadata.get("resourceVersion") or "")
        with self._lock:
            known = self._encoded.get(key)
        if known is not None and known[0] == version and version:
            return known[1]
        encoded = dumps(obj)
        with self._lock:
            self._encoded[key] = (version, encoded)
        return encoded

    def forget_except(self, keep: Iterable[tuple[str, str]]) -> None:
        """Drop encodings of objects no longer held (called now and then)."""
        wanted = set(keep)
        with self._lock:
            for key in [k for k in self._encoded if k not in wanted]:
                del self._encoded[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._encoded)


def json_list(items: list[bytes], metadata: dict[str, Any]) -> bytes:
    """``{"items": [...], "metadata": {...}}`` from already encoded items."""
    return b'{"items":[' + b",".join(items) + b'],"metadata":' + dumps(metadata) + b"}"
