"""Namespace defaulting: which kinds are namespaced, and what namespace each object gets.

Scope comes from discovery, or, for custom resources whose CRD is in the same desired set
(and so may not exist in the cluster yet), from that CRD's ``spec.scope``. A kind known to
neither is placed as if namespaced but flagged ``unknown_kind``: that placement is a
guess, so the reconciler refreshes discovery and refuses the object if the kind is still
unknown, before any project check or write. Called by ``gitopsd.desired.building``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitopsd.errors import DesiredSetError
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import ApiResource

CRD_GROUP_KIND = GroupKind("apiextensions.k8s.io", "CustomResourceDefinition")


@dataclass(frozen=True)
class Placement:
    """Where one object goes: its key after defaulting, and whether its kind is known."""

    key: ResourceKey
    namespaced: bool
    unknown_kind: bool


def scopes_from_crds(objects: Sequence[dict[str, Any]]) -> dict[GroupKind, bool]:
    """``{GroupKind: namespaced}`` for every kind defined by a CRD among ``objects``."""
    scopes: dict[GroupKind, bool] = {}
    for obj in objects:
        if GroupKind.of(obj) != CRD_GROUP_KIND:
            continue
        spec = obj.get("spec") or {}
        kind = str((spec.get("names") or {}).get("kind") or "")
        if kind and spec.get("group"):
            scopes[GroupKind(str(spec["group"]), kind)] = spec.get("scope") != "Cluster"
    return scopes


def place(
    obj: dict[str, Any],
    *,
    destination_namespace: str,
    resources: Mapping[GroupKind, ApiResource],
    crd_scopes: Mapping[GroupKind, bool],
) -> Placement:
    """Default the namespace of ``obj`` (read only) and say whether its kind is known.

    Namespaced kinds without a namespace get ``destination_namespace``; cluster-scoped
    kinds lose any namespace; unknown kinds keep theirs (or get the destination's).
    """
    given = ResourceKey.of(obj)
    api_resource = resources.get(given.group_kind)
    if api_resource is not None:
        namespaced, unknown = api_resource.namespaced, False
    elif given.group_kind in crd_scopes:
        namespaced, unknown = crd_scopes[given.group_kind], False
    else:
        namespaced, unknown = True, True
    namespace = (given.namespace or destination_namespace) if namespaced else ""
    if namespaced and not namespace and not unknown:
        raise DesiredSetError(
            f"{given}: namespaced object without a namespace, and the destination names none"
        )
    key = ResourceKey(given.group, given.kind, namespace, given.name)
    return Placement(key=key, namespaced=namespaced, unknown_kind=unknown)
