"""API discovery: which kinds a server serves, at which version, and whether namespaced.

Uses aggregated discovery (one request for ``/api`` and one for ``/apis``, served since
Kubernetes 1.30) so a refresh after a CRD is installed costs two calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from gitopsd.model.keys import GroupKind
from gitopsd.ports import ApiResource

AGGREGATED_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
)

Fetch = Callable[[str, dict[str, str]], bytes]


def discover(fetch: Fetch) -> dict[GroupKind, ApiResource]:
    resources: dict[GroupKind, ApiResource] = {}
    for path in ("/api", "/apis"):
        document = json.loads(fetch(path, {"Accept": AGGREGATED_ACCEPT}))
        if document.get("kind") != "APIGroupDiscoveryList":
            raise RuntimeError(f"{path}: server does not serve aggregated discovery")
        for group in document.get("items") or []:
            _add_group(resources, group)
    return resources


def _add_group(resources: dict[GroupKind, ApiResource], group: Mapping[str, Any]) -> None:
    group_name = str((group.get("metadata") or {}).get("name") or "")
    # The first version listed is the preferred one.
    for version in group.get("versions") or []:
        for resource in version.get("resources") or []:
            kind = (resource.get("responseKind") or {}).get("kind")
            if not kind:
                continue
            key = GroupKind(group_name, str(kind))
            if key in resources:
                continue
            resources[key] = ApiResource(
                group=group_name,
                version=str(version.get("version")),
                kind=str(kind),
                plural=str(resource.get("resource")),
                namespaced=resource.get("scope") == "Namespaced",
                verbs=tuple(resource.get("verbs") or ()),
            )
