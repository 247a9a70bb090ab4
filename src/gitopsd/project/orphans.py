"""Orphaned resources: live objects in an app's destination namespaces that no app tracks.

Only computed when the project sets ``orphanedResources``. The caller lists the live
objects of the destination namespaces; objects tracked by any application, objects owned
by another object, Kubernetes' own per-namespace objects and the project's ``ignore``
entries are left out. Called by the status stage for the ``OrphanedResourceWarning``
condition and the orphan-count metric.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gitopsd.model.annotations import (
    ARGOCD_TRACKING_ID_ANNOTATION,
    TRACKING_ID_ANNOTATION,
    TRACKING_LABEL,
)
from gitopsd.model.globs import glob_match
from gitopsd.model.keys import ResourceKey
from gitopsd.model.tracking import any_tracking_id_of
from gitopsd.project.projects import Project, ResourceRule

# Objects Kubernetes creates in (some) namespaces by itself; never orphans.
_BUILT_IN = (
    ResourceRule(group="", kind="ServiceAccount", name="default"),
    ResourceRule(group="", kind="ConfigMap", name="kube-root-ca.crt"),
)
_DEFAULT_KUBERNETES_SERVICE = ResourceKey("", "Service", "default", "kubernetes")


def orphaned_resources(
    project: Project, live: Iterable[tuple[ResourceKey, dict[str, Any]]]
) -> list[ResourceKey]:
    """The orphans among ``live``, sorted; empty when the project does not monitor them.

    Each item is a key and the live object (or just its annotations mapping, when the
    caller has no more): an object with a tracking-id annotation (either prefix) or the
    tracking label belongs to an application.
    """
    policy = project.orphaned_resources
    if policy is None:
        return []
    ignore = _BUILT_IN + policy.ignore
    return sorted(
        key
        for key, obj in live
        if key.namespace
        and key != _DEFAULT_KUBERNETES_SERVICE
        and not _tracked_or_owned(obj)
        and not _ignored(key, ignore)
    )


def orphaned_warning(project: Project, orphans: list[ResourceKey]) -> str | None:
    """The ``OrphanedResourceWarning`` condition message, or None when there is nothing to say."""
    policy = project.orphaned_resources
    if policy is None or not policy.warn or not orphans:
        return None
    noun = "resource" if len(orphans) == 1 else "resources"
    return f"Application has {len(orphans)} orphaned {noun}"


def _tracked_or_owned(obj: dict[str, Any]) -> bool:
    if "metadata" not in obj:
        return TRACKING_ID_ANNOTATION in obj or ARGOCD_TRACKING_ID_ANNOTATION in obj
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    return bool(
        any_tracking_id_of(obj) is not None
        or TRACKING_LABEL in labels
        or meta.get("ownerReferences")
    )


def _ignored(key: ResourceKey, rules: tuple[ResourceRule, ...]) -> bool:
    # Argo CD: an empty kind or name in an ignore entry matches any; the group is a glob.
    return any(
        (not rule.kind or glob_match(rule.kind, key.kind))
        and glob_match(rule.group, key.group)
        and (not rule.name or glob_match(rule.name, key.name))
        for rule in rules
    )
