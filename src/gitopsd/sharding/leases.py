"""The Lease each replica holds when sharding: its name, its body, and reading it back.

A member's Lease lives in the controller's namespace as ``gitopsd-controller-<replica>``
with the label ``gitopsd.io/lease: controller-shard``. Besides client-go's fields
(``holderIdentity``, ``leaseDurationSeconds``, ``acquireTime``, ``renewTime``) it carries
two annotations:

- ``gitopsd.io/shard-view``: the member set the replica currently acts on, comma-separated.
  Publishing a view is a promise: the replica acts only on keys that view gives it, and
  has already stopped acting on every other key;
- ``gitopsd.io/shard-incarnation``: a random id of the process, so a second process
  started under the same replica id is noticed instead of sharing the Lease.

A released Lease (a replica that stopped cleanly) has no holder and no view. The times in
the body are for people; no replica reads another's timestamps (clocks are not trusted),
only whether the Lease changed. Built and read by :mod:`gitopsd.sharding.member`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.sharding.hashing import View, make_view

LEASE = GroupKind("coordination.k8s.io", "Lease")
LEASE_PREFIX = "gitopsd-controller-"
MEMBER_LABEL = "gitopsd.io/lease"
MEMBER_LABEL_VALUE = "controller-shard"
MEMBER_SELECTOR = f"{MEMBER_LABEL}={MEMBER_LABEL_VALUE}"
VIEW_ANNOTATION = "gitopsd.io/shard-view"
INCARNATION_ANNOTATION = "gitopsd.io/shard-incarnation"
MICROTIME = "%Y-%m-%dT%H:%M:%S.%fZ"


def lease_name(replica: str) -> str:
    return f"{LEASE_PREFIX}{replica}"


def lease_key(namespace: str, replica: str) -> ResourceKey:
    return ResourceKey(LEASE.group, LEASE.kind, namespace, lease_name(replica))


@dataclass(frozen=True)
class MemberRecord:
    """One member Lease as read from the API server."""

    name: str  # the Lease's name
    member: str  # holderIdentity; "" once released
    version: str  # resourceVersion: what "changed" means
    lease_seconds: float | None  # leaseDurationSeconds, None when absent or unreadable
    view: View | None  # the published view; None: acknowledges nothing
    incarnation: str
    transitions: int = 0
    acquired: str = ""  # acquireTime as written, kept across renewals

    @property
    def released(self) -> bool:
        return not self.member

    @property
    def well_formed(self) -> bool:
        """Held by the replica its name says (a Lease renamed or edited by hand is not)."""
        return self.released or self.name == lease_name(self.member)


def parse_lease(obj: dict[str, Any]) -> MemberRecord:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    annotations = meta.get("annotations") or {}
    return MemberRecord(
        name=str(meta.get("name") or ""),
        member=str(spec.get("holderIdentity") or ""),
        version=str(meta.get("resourceVersion") or ""),
        lease_seconds=_positive(spec.get("leaseDurationSeconds")),
        view=parse_view(annotations.get(VIEW_ANNOTATION)),
        incarnation=str(annotations.get(INCARNATION_ANNOTATION) or ""),
        transitions=_count(spec.get("leaseTransitions")),
        acquired=str(spec.get("acquireTime") or ""),
    )


def parse_view(text: Any) -> View | None:
    if not isinstance(text, str) or not text.strip():
        return None
    members = [part.strip() for part in text.split(",")]
    if any(not member for member in members):
        return None
    return make_view(members)


def format_view(view: View) -> str:
    return ",".join(view)


def lease_body(
    namespace: str,
    replica: str,
    *,
    incarnation: str,
    view: View | None,
    lease_seconds: float,
    now: dt.datetime,
    previous: MemberRecord | None,
) -> dict[str, Any]:
    """The Lease as this replica writes it: renewed with ``view``, or released (``view``
    None: no holder, no view). With ``previous`` (what the replica last read or wrote),
    the body carries its resourceVersion, so a write that races another writer fails."""
    stamp = now.astimezone(dt.UTC).strftime(MICROTIME)
    acquired, transitions = stamp, 0
    if previous is not None:
        taken_over = previous.incarnation != incarnation or previous.released
        acquired = stamp if taken_over or not previous.acquired else previous.acquired
        transitions = previous.transitions + (1 if taken_over else 0)
    annotations = {INCARNATION_ANNOTATION: incarnation}
    spec: dict[str, Any] = {
        # Rounded up: observers wait at least as long as this replica's deadline assumes.
        "leaseDurationSeconds": max(1, math.ceil(lease_seconds)),
        "renewTime": stamp,
        "leaseTransitions": transitions,
    }
    if view is not None:
        annotations[VIEW_ANNOTATION] = format_view(view)
        spec["holderIdentity"] = replica
        spec["acquireTime"] = acquired
    metadata: dict[str, Any] = {
        "name": lease_name(replica),
        "namespace": namespace,
        "labels": {MEMBER_LABEL: MEMBER_LABEL_VALUE},
        "annotations": annotations,
    }
    if previous is not None and previous.version:
        metadata["resourceVersion"] = previous.version
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": metadata,
        "spec": spec,
    }


def _positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _count(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0
