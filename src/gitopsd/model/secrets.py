"""Masking of Secret values, applied before anything is printed, stored or logged."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

MASK = "++++++++"


def is_secret(obj: dict[str, Any] | None) -> bool:
    return bool(obj) and obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"  # type: ignore[union-attr]


def mask_secret(obj: dict[str, Any] | None) -> dict[str, Any] | None:
    """A deep copy of ``obj`` with every ``data``/``stringData`` value replaced.

    Equal values get equal masks and different values different ones (a short salted-free
    hash prefix would leak low-entropy values, so only *equality across the two sides of a
    diff* is kept: callers mask both sides with :func:`mask_secret_pair`).
    Non-Secrets are returned unchanged (not copied).
    """
    if obj is None or not is_secret(obj):
        return obj
    masked = copy.deepcopy(obj)
    for field in ("data", "stringData"):
        values = masked.get(field)
        if isinstance(values, dict):
            masked[field] = {key: MASK for key in values}
    _drop_last_applied(masked)
    return masked


def mask_secret_pair(
    desired: dict[str, Any] | None, live: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Mask both sides of a Secret diff so a changed value still shows as changed.

    Each distinct value becomes ``++++++++`` followed by a run of ``+`` whose length depends
    only on whether the two sides agree, never on the value itself.
    """
    if not (is_secret(desired) or is_secret(live)):
        return desired, live
    out: list[dict[str, Any] | None] = []
    pair = (desired, live)
    for index, obj in enumerate(pair):
        if obj is None:
            out.append(None)
            continue
        masked = copy.deepcopy(obj)
        other = pair[1 - index]
        for field in ("data", "stringData"):
            values = masked.get(field)
            if not isinstance(values, dict):
                continue
            other_values = (other or {}).get(field) or {}
            masked[field] = {
                key: MASK if other_values.get(key) == value else MASK + "+" * (index + 1)
                for key, value in values.items()
            }
        _drop_last_applied(masked)
        out.append(masked)
    return out[0], out[1]


def fingerprint(value: str) -> str:
    """A short, non-reversible fingerprint for change detection in status (never the value)."""
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def _drop_last_applied(obj: dict[str, Any]) -> None:
    # kubectl's last-applied annotation carries the whole Secret in clear text.
    annotations = (obj.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
