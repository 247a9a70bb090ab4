"""Ownership marks: the tracking label and the tracking-id annotation.

The label (``TRACKING_LABEL``) lets watches select an Application's objects; the
annotation (``TRACKING_ID_ANNOTATION``) names the exact owner and identity, so a copied
label alone never makes an object ours. ``gitopsd.desired.building`` stamps both on every
desired object; ``gitopsd.plan.pruning`` checks both before anything is pruned.
"""

from __future__ import annotations

import hashlib
from typing import Any

from gitopsd.model.annotations import TRACKING_ID_ANNOTATION, TRACKING_LABEL
from gitopsd.model.keys import ResourceKey
from gitopsd.model.tracking import tracking_id, tracking_id_of

LABEL_VALUE_MAX = 63
_HASH_LENGTH = 10


def tracking_label_value(app_namespace: str, app_name: str) -> str:
    """``<app-namespace>_<app-name>``, shortened to a valid label value when too long.

    Namespaces and Application names are DNS names, so the joined value only uses label
    characters; past 63 characters it becomes a readable prefix, ``-`` and a hash of the
    whole value, which keeps distinct Applications distinct.
    """
    value = f"{app_namespace}_{app_name}"
    if len(value) <= LABEL_VALUE_MAX:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:_HASH_LENGTH]
    prefix = value[: LABEL_VALUE_MAX - _HASH_LENGTH - 1].rstrip("-_.")
    return f"{prefix}-{digest}"


def with_tracking(obj: dict[str, Any], key: ResourceKey, app_namespace: str, app_name: str) -> None:
    """Stamp the tracking label and annotation on ``obj`` (a copy the caller owns)."""
    metadata = obj.setdefault("metadata", {})
    labels = metadata.get("labels") or {}
    labels[TRACKING_LABEL] = tracking_label_value(app_namespace, app_name)
    metadata["labels"] = labels
    annotations = metadata.get("annotations") or {}
    annotations[TRACKING_ID_ANNOTATION] = tracking_id(app_namespace, app_name, key)
    metadata["annotations"] = annotations


def tracking_mismatch(
    live: dict[str, Any], key: ResourceKey, app_namespace: str, app_name: str
) -> str | None:
    """Why ``live`` is not marked as this Application's ``key``, or None when it is."""
    metadata = live.get("metadata") or {}
    label = (metadata.get("labels") or {}).get(TRACKING_LABEL)
    if label != tracking_label_value(app_namespace, app_name):
        return f"tracking label {TRACKING_LABEL} is {label!r}, not this application's"
    found = tracking_id_of(live)
    if found != tracking_id(app_namespace, app_name, key):
        return f"tracking-id annotation is {found!r}, not this application's"
    return None
