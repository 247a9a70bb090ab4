"""Object builders shared by the contract tests."""

from __future__ import annotations

from typing import Any

from gitopsd.ports import KubeObject


def configmap(
    name: str,
    namespace: str,
    data: dict[str, str] | None = None,
    *,
    labels: dict[str, str] | None = None,
    **metadata: Any,
) -> KubeObject:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, **metadata}
    if labels is not None:
        meta["labels"] = labels
    obj: KubeObject = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}
    if data is not None:
        obj["data"] = data
    return obj


def deployment(
    name: str, namespace: str, *, replicas: int = 1, image: str = "example/web:1", app: str = ""
) -> KubeObject:
    selector = {"app": app or name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": selector},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }


def widget(name: str, namespace: str, **spec: Any) -> KubeObject:
    return {
        "apiVersion": "contract.gitopsd.io/v1",
        "kind": "Widget",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def owner_ref(owner: KubeObject, *, block: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "blockOwnerDeletion": block,
    }


def managers(obj: KubeObject | None) -> dict[tuple[str, str], dict[str, Any]]:
    """managedFields by (manager, operation), the main resource's only."""
    entries = ((obj or {}).get("metadata") or {}).get("managedFields") or []
    return {
        (e["manager"], e["operation"]): e.get("fieldsV1") or {}
        for e in entries
        if not e.get("subresource")
    }


def rv(obj: KubeObject | None) -> str:
    return str(((obj or {}).get("metadata") or {}).get("resourceVersion"))
