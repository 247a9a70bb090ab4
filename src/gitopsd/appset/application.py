"""Turning one rendered template into an Application body owned by its ApplicationSet.

The body carries what Argo CD copies from ``spec.template``: ``metadata.name``,
``namespace`` (the ApplicationSet's unless the template sets one), ``labels``,
``annotations``, ``finalizers`` and ``spec``; plus a controller ``ownerReference`` to the
ApplicationSet when it has a uid. Under ``preserveResourcesOnDeletion`` the resources
finalizers are removed, so deleting a generated Application leaves its resources alone.
Called by :mod:`gitopsd.appset.generate`.
"""

from __future__ import annotations

import re
from typing import Any

from gitopsd.appset.manifest import AppSetSpec
from gitopsd.errors import SpecError
from gitopsd.model.annotations import API_VERSION
from gitopsd.model.finalizers import is_resources_finalizer

_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def owner_reference(appset: AppSetSpec) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "ApplicationSet",
        "name": appset.name,
        "uid": appset.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def build_application(appset: AppSetSpec, rendered: dict[str, Any]) -> dict[str, Any]:
    """The Application for one rendered template. Raises SpecError for an invalid name."""
    template_meta = rendered.get("metadata") or {}
    name = str(template_meta.get("name") or "")
    namespace = str(template_meta.get("namespace") or appset.namespace)
    _check_name(name, namespace)
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    for field in ("labels", "annotations"):
        values = template_meta.get(field) or {}
        if values:
            metadata[field] = {str(k): str(v) for k, v in sorted(values.items())}
    finalizers = [str(f) for f in template_meta.get("finalizers") or []]
    if appset.preserve_resources_on_deletion:
        finalizers = [f for f in finalizers if not is_resources_finalizer(f)]
    if finalizers:
        metadata["finalizers"] = finalizers
    if appset.uid:
        metadata["ownerReferences"] = [owner_reference(appset)]
    return {
        "apiVersion": API_VERSION,
        "kind": "Application",
        "metadata": metadata,
        "spec": rendered.get("spec") or {},
    }


def _check_name(name: str, namespace: str) -> None:
    if not name:
        raise SpecError("a generated Application has an empty metadata.name")
    if len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
        raise SpecError(
            f"Application/{namespace}/{name}: generated name is not a valid "
            "lower-case DNS subdomain (check the template's metadata.name)"
        )
