"""The resource tree of an Application, in Argo CD's ``ApplicationTree`` shape.

Roots are the objects in the Application's ``status.resources`` (as the controller last
compared them, with their sync status and health); below them, the objects they own,
found through ``ownerReferences`` (a Deployment's ReplicaSets, their Pods, a CronJob's
Jobs), each with its own health. Only objects reached this way appear, so the tree of
one application never shows another's objects. Pure: the caller passes the lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gitopsd.health import HealthAssessor
from gitopsd.model.keys import split_api_version

MAX_DEPTH = 4
Lookup = Callable[[Mapping[str, Any]], dict[str, Any] | None]
Children = Callable[[str], Iterable[dict[str, Any]]]


def _ref(node: Mapping[str, Any]) -> dict[str, Any]:
    return {k: node.get(k, "") for k in ("group", "kind", "namespace", "name", "uid")}


def _node(obj: Mapping[str, Any], parent: Mapping[str, Any] | None) -> dict[str, Any]:
    metadata = obj.get("metadata") or {}
    group, version = split_api_version(str(obj.get("apiVersion") or ""))
    node: dict[str, Any] = {
        "group": group,
        "version": version,
        "kind": obj.get("kind", ""),
        "namespace": metadata.get("namespace", ""),
        "name": metadata.get("name", ""),
        "uid": metadata.get("uid", ""),
        "resourceVersion": metadata.get("resourceVersion", ""),
        "createdAt": metadata.get("creationTimestamp", ""),
    }
    if parent is not None:
        node["parentRefs"] = [_ref(parent)]
    images = _images(obj)
    if images:
        node["images"] = images
    return node


def _images(obj: Mapping[str, Any]) -> list[str]:
    spec = obj.get("spec") or {}
    template = (spec.get("template") or {}).get("spec") or spec
    containers = [*(template.get("initContainers") or []), *(template.get("containers") or [])]
    return sorted(
        {str(c.get("image")) for c in containers if isinstance(c, dict) and c.get("image")}
    )


def resource_tree(
    app: Mapping[str, Any], lookup: Lookup, children: Children, assessor: HealthAssessor
) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in (app.get("status") or {}).get("resources") or []:
        live = lookup(entry)
        if live is None:
            node = {k: entry.get(k, "") for k in ("group", "version", "kind", "namespace", "name")}
        else:
            node = _node(live, None)
        # Missing only when the object is not there; a live object without a health
        # check (a ConfigMap) has no health, as in Argo CD.
        health = entry.get("health") or ({"status": "Missing"} if live is None else None)
        if health:
            node["health"] = health
        node["status"] = entry.get("status", "")
        nodes.append(node)
        if live is not None and node["uid"]:
            seen.add(node["uid"])
            _descend(node, children, assessor, nodes, seen, depth=1)
    nodes.sort(key=lambda n: (n["kind"], n["namespace"], n["name"], n.get("uid", "")))
    return {"nodes": nodes, "orphanedNodes": [], "hosts": []}


def _descend(
    parent: dict[str, Any],
    children: Children,
    assessor: HealthAssessor,
    nodes: list[dict[str, Any]],
    seen: set[str],
    depth: int,
) -> None:
    if depth > MAX_DEPTH:
        return
    for child in children(parent["uid"]):
        node = _node(child, parent)
        if not node["uid"] or node["uid"] in seen:
            continue
        seen.add(node["uid"])
        health = assessor.assess(child)
        if health is not None:
            node["health"] = {"status": str(health.status)}
            if health.message:
                node["health"]["message"] = health.message
        nodes.append(node)
        _descend(node, children, assessor, nodes, seen, depth + 1)
