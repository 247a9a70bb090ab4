"""Object identity: ``GroupKind`` and ``ResourceKey``.

Every stage names Kubernetes objects with ``ResourceKey``; its ``str()`` is the id used to
start every message about an object (``Deployment/web/api``, or ``Namespace/web`` for
cluster-scoped objects).
"""

from __future__ import annotations

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

    def tracking_id(self, app_namespace: str, app_name: str) -> str:
        """Argo CD's annotation format: ``<app-ns>_<app>:<group>/<kind>:<ns>/<name>``."""
        return f"{app_namespace}_{app_name}:{self.group}/{self.kind}:{self.namespace}/{self.name}"

    @classmethod
    def from_tracking_id(cls, value: str) -> tuple[str, str, ResourceKey]:
        """Parse a tracking id into (app namespace, app name, key). Raises ValueError."""
        app_part, gk_part, nn_part = value.split(":", 2)
        app_ns, _, app_name = app_part.partition("_")
        group, _, kind = gk_part.partition("/")
        namespace, _, name = nn_part.partition("/")
        if not (app_name and kind and name):
            raise ValueError(f"malformed tracking id {value!r}")
        return app_ns, app_name, cls(group, kind, namespace, name)
