"""Normalisation of one object before it is compared: drop what the server owns.

``compare.diff_object`` normalises both sides (the dry-run prediction and the live object)
with :func:`normalize` before anything else; ``normalize`` is public so the status and CLI
code can show the same view of an object that the diff saw.
"""

from __future__ import annotations

import base64
from typing import Any

from gitopsd.diff.paths import clone, delete_at, parse_pointer

# Fields that say nothing about the desired state: bookkeeping the API server writes, status
# (always dropped, also for kinds whose controllers write spec-like status), and annotations
# other tools maintain on their own. Each entry is a JSON pointer removed from both sides.
NORMALIZED_AWAY: tuple[str, ...] = (
    "/status",
    "/metadata/managedFields",
    "/metadata/resourceVersion",
    "/metadata/generation",
    "/metadata/uid",
    "/metadata/creationTimestamp",
    "/metadata/deletionTimestamp",
    "/metadata/deletionGracePeriodSeconds",
    "/metadata/selfLink",
    # kubectl's client-side apply copy of the whole object (for Secrets: in clear text).
    "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
    # Bumped by the Deployment controller on every rollout.
    "/metadata/annotations/deployment.kubernetes.io~1revision",
)

# Metadata maps that are dropped when empty: ``{}`` and absent mean the same thing.
DROPPED_WHEN_EMPTY: tuple[str, ...] = ("annotations", "labels")


def normalize(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``obj`` without :data:`NORMALIZED_AWAY` fields and empty metadata maps.

    A Secret's write-only ``stringData`` is folded into ``data`` (base64), as the API server
    does on write, so a manifest compares equal to the object the server stores.
    """
    # Status and managedFields are most of a live object: leave them out before copying.
    normalized: dict[str, Any] = clone(without_status_and_managed_fields(obj))
    for pointer in NORMALIZED_AWAY:
        delete_at(normalized, parse_pointer(pointer))
    metadata = normalized.get("metadata")
    if isinstance(metadata, dict):
        for name in DROPPED_WHEN_EMPTY:
            if name in metadata and not metadata[name]:
                del metadata[name]
    fold_string_data(normalized)
    return normalized


def without_status_and_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy of ``obj`` without ``status`` and ``metadata.managedFields``, the
    bulk of a server response that :func:`normalize` always drops (the rest is shared)."""
    trimmed = {key: value for key, value in obj.items() if key != "status"}
    metadata = trimmed.get("metadata")
    if isinstance(metadata, dict) and "managedFields" in metadata:
        trimmed["metadata"] = {k: v for k, v in metadata.items() if k != "managedFields"}
    return trimmed


def fold_string_data(obj: dict[str, Any]) -> None:
    """Fold a Secret's write-only ``stringData`` into ``data``, as the API server does on
    every write (``gitopsd.memory`` stores Secrets through this too)."""
    if obj.get("kind") != "Secret" or obj.get("apiVersion") != "v1":
        return
    string_data = obj.pop("stringData", None)
    if not isinstance(string_data, dict) or not string_data:
        return
    data = obj.get("data")
    if not isinstance(data, dict):
        data = obj["data"] = {}
    for key, value in string_data.items():
        data[key] = base64.b64encode(str(value).encode()).decode()
