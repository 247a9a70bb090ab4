"""Helpers for ApplicationSet, multi-cluster and project stories: manifests, status reads
and the waits they share. Every wait has a timeout and names what it waited for."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from typing import Any

import yaml

from tests.support.kube import Kubectl

APPS = "applications.gitopsd.io"
APPSETS = "applicationsets.gitopsd.io"
IN_CLUSTER = "https://kubernetes.default.svc"
RESOURCES_FINALIZER = "gitopsd.io/resources-finalizer"


def appset_manifest(
    name: str,
    namespace: str,
    generators: list[dict[str, Any]],
    template: dict[str, Any],
    *,
    go_template: bool = False,
    sync_policy: dict[str, Any] | None = None,
) -> str:
    spec: dict[str, Any] = {"generators": generators, "template": template}
    if go_template:
        spec["goTemplate"] = True
        spec["goTemplateOptions"] = ["missingkey=error"]
    if sync_policy:
        spec["syncPolicy"] = sync_policy
    body = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }
    return yaml.safe_dump(body, sort_keys=False)


def app_template(
    name: str,
    repo_url: str,
    path: str,
    dest_namespace: str,
    *,
    server: str = IN_CLUSTER,
    automated: bool = True,
    finalizer: bool = False,
    project: str = "default",
) -> dict[str, Any]:
    """An Application template; the kustomize namespace override keeps an overlay's objects
    in ``dest_namespace`` (created by the sync)."""
    metadata: dict[str, Any] = {"name": name}
    if finalizer:
        metadata["finalizers"] = [RESOURCES_FINALIZER]
    sync_policy: dict[str, Any] = {"syncOptions": ["CreateNamespace=true"]}
    if automated:
        sync_policy["automated"] = {"prune": True, "selfHeal": True}
    return {
        "metadata": metadata,
        "spec": {
            "project": project,
            "source": {
                "repoURL": repo_url,
                "targetRevision": "main",
                "path": path,
                "kustomize": {"namespace": dest_namespace},
            },
            "destination": {"server": server, "namespace": dest_namespace},
            "syncPolicy": sync_policy,
        },
    }


def status_of(kubectl: Kubectl, resource: str, namespace: str, name: str) -> dict[str, Any]:
    obj = kubectl.get(resource, "-n", namespace, name) or {}
    status: dict[str, Any] = obj.get("status") or {}
    return status


def condition(status: dict[str, Any], condition_type: str) -> dict[str, Any]:
    for entry in status.get("conditions") or []:
        if entry.get("type") == condition_type:
            return dict(entry)
    return {}


def owned_applications(kubectl: Kubectl, namespace: str, appset: str) -> list[dict[str, Any]]:
    """The Applications whose controller ownerReference is ApplicationSet ``appset``."""
    owner = kubectl.get(APPSETS, "-n", namespace, appset)
    uid = ((owner or {}).get("metadata") or {}).get("uid")
    items: list[dict[str, Any]] = kubectl.json("get", APPS, "-n", namespace)["items"]
    return sorted(
        (
            app
            for app in items
            if any(ref.get("uid") == uid for ref in app["metadata"].get("ownerReferences") or [])
        ),
        key=lambda app: str(app["metadata"]["name"]),
    )


def names(objects: Iterable[dict[str, Any]]) -> list[str]:
    return sorted(str(o["metadata"]["name"]) for o in objects)


def is_synced_healthy(kubectl: Kubectl, namespace: str, name: str) -> bool:
    status = status_of(kubectl, APPS, namespace, name)
    return (status.get("sync") or {}).get("status") == "Synced" and (
        status.get("health") or {}
    ).get("status") == "Healthy"


def wait_synced_healthy(kubectl: Kubectl, namespace: str, name: str, timeout: float = 90) -> None:
    kubectl.wait_for(
        lambda: is_synced_healthy(kubectl, namespace, name),
        timeout=timeout,
        what=f"Application {namespace}/{name} Synced and Healthy",
    )


def exists(kubectl: Kubectl, kind: str, namespace: str | None, name: str) -> bool:
    args = (kind, "-n", namespace, name) if namespace else (kind, name)
    return kubectl.get(*args) is not None


def delete_namespaces(kubectl: Kubectl, namespaces: Iterable[str]) -> None:
    """Best-effort, non-blocking cleanup of namespaces a story created."""
    for namespace in sorted(set(namespaces)):
        subprocess.run(
            [
                "kubectl",
                "--kubeconfig",
                kubectl.kubeconfig,
                "delete",
                "namespace",
                namespace,
                "--ignore-not-found",
                "--wait=false",
            ],
            capture_output=True,
            check=False,
            timeout=60,
        )
