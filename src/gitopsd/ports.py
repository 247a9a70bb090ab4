"""The ports through which the pure core reaches the outside world.

The core (desired set, diff, plan, sync, health, status) is written against these
``Protocol``s; ``gitopsd.cluster`` implements :class:`ClusterPort` with the kubernetes
client, tests of pure functions implement it with plain dictionaries. ``Clock`` keeps
wall-clock reads out of the core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from gitopsd.model.keys import GroupKind, ResourceKey

KubeObject = dict[str, Any]

# ``ClusterError.reason`` when a kind is not served (yet): its CRD is missing or not
# established. Adapters raise ``NotFound`` with this reason.
NOT_SERVED = "NotServed"


@dataclass(frozen=True)
class ApiResource:
    """One served kind, from discovery."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_kind(self) -> GroupKind:
        return GroupKind(self.group, self.kind)


class ClusterPort(Protocol):
    """What the core needs from one Kubernetes API server.

    Every method raises a ``gitopsd.errors.ClusterError`` subclass on failure; ``get``
    returns None for a missing object instead of raising.
    """

    def server_version(self) -> str:
        """The server's gitVersion, e.g. ``v1.36.3``."""
        ...

    def resources(self, *, refresh: bool = False) -> Mapping[GroupKind, ApiResource]:
        """Discovery: every served kind (preferred version). Cached until ``refresh``."""
        ...

    def get(self, key: ResourceKey) -> KubeObject | None: ...

    def list(
        self,
        group_kind: GroupKind,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[KubeObject]: ...

    def apply(
        self,
        obj: KubeObject,
        *,
        dry_run: bool = False,
        force: bool = True,
        field_manager: str = "gitopsd",
        field_validation: str = "",
    ) -> KubeObject:
        """Server-side apply (PATCH application/apply-patch+yaml).

        ``field_validation``: ``Strict``, ``Warn`` or ``Ignore`` (empty: the server's default).
        """
        ...

    def create(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject: ...

    def replace(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        """PUT the whole object (``Replace=true``); resourceVersion is filled in if absent."""
        ...

    def delete(
        self,
        key: ResourceKey,
        *,
        propagation: str = "Foreground",
        dry_run: bool = False,
    ) -> None:
        """Delete; a missing object is not an error."""
        ...

    def merge_patch(self, key: ResourceKey, patch: KubeObject) -> KubeObject: ...


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Timezone-aware current time."""
        ...


class SystemClock:
    """The real clock, for adapters and the operator (never read inside the core)."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)
