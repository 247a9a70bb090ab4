"""``CreateNamespace=true``: the destination namespace, with ``managedNamespaceMetadata``.

Created (or its managed labels and annotations updated) before a sync applies anything,
unless the desired set itself contains that Namespace.
"""

from __future__ import annotations

from typing import Any

from gitopsd.desired import DesiredSet
from gitopsd.model.annotations import FIELD_MANAGER
from gitopsd.model.keys import ResourceKey
from gitopsd.model.sync_options import SyncOptions
from gitopsd.ports import ClusterPort
from gitopsd.spec import ApplicationSpec


def wanted_namespace(
    spec: ApplicationSpec, options: SyncOptions, desired: DesiredSet
) -> dict[str, Any] | None:
    """The Namespace object to ensure, or None when ``CreateNamespace`` is off (in the
    operation's options) or Git has it."""
    name = spec.destination.namespace
    if not name or not options.create_namespace:
        return None
    if desired.get(ResourceKey("", "Namespace", "", name)) is not None:
        return None
    metadata: dict[str, Any] = {"name": name}
    managed = spec.sync_policy.managed_namespace_metadata or {}
    if managed.get("labels"):
        metadata["labels"] = dict(managed["labels"])
    if managed.get("annotations"):
        metadata["annotations"] = dict(managed["annotations"])
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}


def ensure_namespace(cluster: ClusterPort, namespace: dict[str, Any]) -> bool:
    """Create or update the namespace when needed; True when something was written."""
    key = ResourceKey.of(namespace)
    live = cluster.get(key)
    if live is not None and _covers(live["metadata"], namespace["metadata"]):
        return False
    cluster.apply(namespace, force=True, field_manager=FIELD_MANAGER)
    return True


def _covers(live: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for field in ("labels", "annotations"):
        have = live.get(field) or {}
        if any(have.get(k) != v for k, v in (wanted.get(field) or {}).items()):
            return False
    return True
