"""``status.resources[]`` and ``status.summary``, and the inventory read back from them.

The inventory of an application is the set of objects its last status listed; pruning
only ever considers objects from it (and still carrying our tracking).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gitopsd.diff import Comparison
from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import SyncStatus


def resource_entries(comparison: Comparison) -> list[dict[str, Any]]:
    entries = []
    for item in comparison.objects:
        key = item.key
        version = _version_of(item.desired.obj if item.desired else item.live)
        entry: dict[str, Any] = {
            "group": key.group,
            "version": version,
            "kind": key.kind,
            "namespace": key.namespace,
            "name": key.name,
            "status": str(SyncStatus.SYNCED if item.in_sync else SyncStatus.OUT_OF_SYNC),
        }
        if item.health is not None:
            entry["health"] = {"status": str(item.health.status)}
            if item.health.message:
                entry["health"]["message"] = item.health.message
        if item.desired is not None:
            entry["syncWave"] = item.desired.wave
        if item.requires_pruning:
            entry["requiresPruning"] = True
        if item.diff is not None and item.diff.managers:
            entry["driftManagers"] = [str(m) for m in item.diff.managers]
        if item.error:
            entry["message"] = item.error
        entries.append(entry)
    return entries


def inventory_of(status: dict[str, Any] | None) -> frozenset[ResourceKey]:
    keys = set()
    for entry in (status or {}).get("resources") or []:
        if entry.get("hook"):
            continue
        keys.add(ResourceKey.of_entry(entry))
    return frozenset(keys)


def summary_images(objects: Iterable[dict[str, Any]]) -> list[str]:
    images: set[str] = set()
    for obj in objects:
        for spec in _pod_specs(obj):
            for field in ("initContainers", "containers"):
                for container in spec.get(field) or []:
                    if container.get("image"):
                        images.add(str(container["image"]))
    return sorted(images)


def _pod_specs(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        return [spec]
    if obj.get("kind") == "CronJob":
        job = (spec.get("jobTemplate") or {}).get("spec") or {}
        return [((job.get("template") or {}).get("spec")) or {}]
    template = spec.get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        return [template["spec"]]
    return []


def _version_of(obj: dict[str, Any] | None) -> str:
    api_version = str((obj or {}).get("apiVersion", ""))
    return api_version.rsplit("/", 1)[-1]
