"""Object identity: ``GroupKind`` and ``ResourceKey``.

Every stage names Kubernetes objects with ``ResourceKey``; its ``str()`` is the id used to
start every message about an object (``Deployment/web/api``, or ``Namespace/web`` for
cluster-scoped objects).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> (``apps``, ``v1``); ``v1`` -> (``""``, ``v1``)."""
    if "/" in api_version:
        group, version = api_version.split("/", 1)
        return group, version
    return "", api_version


@dataclass(frozen=True, order=True)
class GroupKind:
    group: str
    kind: str

    def __str__(self) -> str:
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @classmethod
    def of(cls, obj: dict[str, Any]) -> GroupKind:
        group, _ = split_api_version(str(obj.get("apiVersion", "")))
        return cls(group, str(obj.get("kind", "")))


@dataclass(frozen=True, order=True)
class ResourceKey:
    """The identity of one object; namespace is ``""`` for cluster-scoped objects."""

    group: str
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    @property
    def group_kind(self) -> GroupKind:
        return GroupKind(self.group, self.kind)

    @classmethod
    def of(cls, obj: dict[str, Any]) -> ResourceKey:
        meta = obj.get("metadata") or {}
        group, _ = split_api_version(str(obj.get("apiVersion", "")))
        return cls(
            group=group,
            kind=str(obj.get("kind", "")),
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name", "")),
        )

    @classmethod
    def of_entry(cls, entry: Mapping[str, Any]) -> ResourceKey:
        """The object an entry names by group, kind, namespace and name, as the entries of
        ``status.resources``, ``syncResult.resources`` and ``operation.sync.resources`` do."""
        return cls(
            str(entry.get("group") or ""),
            str(entry.get("kind") or ""),
            str(entry.get("namespace") or ""),
            str(entry.get("name") or ""),
        )
