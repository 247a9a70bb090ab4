"""The resource tree: roots from status.resources, children through ownerReferences, and
health that never says Missing for an object that is there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitopsd.health import HealthAssessor
from gitopsd.server.tree import resource_tree

APP = {
    "status": {
        "resources": [
            {"version": "v1", "kind": "ConfigMap", "namespace": "web", "name": "settings",
             "status": "Synced"},
            {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "web",
             "name": "api", "status": "OutOfSync", "health": {"status": "Healthy"}},
            {"version": "v1", "kind": "Service", "namespace": "web", "name": "gone",
             "status": "OutOfSync"},
        ]
    }
}  # fmt: skip


def live(kind: str, name: str, uid: str, api_version: str = "v1") -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"namespace": "web", "name": name, "uid": uid},
    }


LIVE = {
    ("ConfigMap", "settings"): live("ConfigMap", "settings", "u-cm"),
    ("Deployment", "api"): live("Deployment", "api", "u-dep", "apps/v1"),
}
CHILDREN = {"u-dep": [live("ReplicaSet", "api-1", "u-rs", "apps/v1")]}


def lookup(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    return LIVE.get((str(entry.get("kind")), str(entry.get("name"))))


def test_health_is_missing_only_for_objects_that_are_not_there() -> None:
    tree = resource_tree(APP, lookup, lambda uid: CHILDREN.get(uid, []), HealthAssessor())
    nodes = {(n["kind"], n["name"]): n for n in tree["nodes"]}
    assert "health" not in nodes[("ConfigMap", "settings")]
    assert nodes[("ConfigMap", "settings")]["status"] == "Synced"
    assert nodes[("Service", "gone")]["health"] == {"status": "Missing"}
    assert nodes[("Deployment", "api")]["health"] == {"status": "Healthy"}
    child = nodes[("ReplicaSet", "api-1")]
    assert child["parentRefs"][0]["uid"] == "u-dep"
