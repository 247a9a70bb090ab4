"""Small helpers shared by the honesty stories: Application manifests over a test
repository, reading status, requesting a sync, and watching for the first object of a
kind (to kill the controller at that exact moment)."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml

from tests.support.kube import Kubectl

IN_CLUSTER = "https://kubernetes.default.svc"


def app_manifest(
    name: str,
    namespace: str,
    repo_url: str,
    path: str,
    *,
    destination_namespace: str | None = None,
    revision: str = "main",
    automated: dict[str, Any] | None = None,
    source: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
    finalizer: bool = False,
) -> str:
    """An Application in ``namespace`` deploying ``path``; ``source`` and ``spec`` add or
    override fields."""
    body: dict[str, Any] = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "project": "default",
            "source": {"repoURL": repo_url, "targetRevision": revision, "path": path},
            "destination": {
                "server": IN_CLUSTER,
                "namespace": destination_namespace or namespace,
            },
            "syncPolicy": {},
        },
    }
    body["spec"]["source"].update(source or {})
    if automated is not None:
        body["spec"]["syncPolicy"]["automated"] = automated
    body["spec"].update(spec or {})
    if finalizer:
        body["metadata"]["finalizers"] = ["gitopsd.io/resources-finalizer"]
    return yaml.safe_dump(body)


def configmap(name: str, data: dict[str, str], **annotations: str) -> str:
    meta: dict[str, Any] = {"name": name}
    if annotations:
        meta["annotations"] = dict(annotations)
    return yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})


def app(kubectl: Kubectl, namespace: str, name: str) -> dict[str, Any]:
    return kubectl.get("applications.gitopsd.io", "-n", namespace, name) or {}


def status(kubectl: Kubectl, namespace: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = app(kubectl, namespace, name).get("status") or {}
    return found


def phase(kubectl: Kubectl, namespace: str, name: str) -> str:
    return str((status(kubectl, namespace, name).get("operationState") or {}).get("phase") or "")


def conditions(kubectl: Kubectl, namespace: str, name: str) -> dict[str, str]:
    return {
        str(c.get("type")): str(c.get("message"))
        for c in status(kubectl, namespace, name).get("conditions") or []
    }


def sync_and_health(kubectl: Kubectl, namespace: str, name: str) -> tuple[str, str]:
    found = status(kubectl, namespace, name)
    return (
        str((found.get("sync") or {}).get("status") or ""),
        str((found.get("health") or {}).get("status") or ""),
    )


def request_sync(kubectl: Kubectl, namespace: str, name: str, **sync: Any) -> None:
    """Write ``operation`` the way ``app sync --async`` does (without the CLI)."""
    operation = {"sync": {"prune": False, **sync}, "initiatedBy": {"username": "e2e"}}
    kubectl.run(
        "patch", "application.gitopsd.io", "-n", namespace, name,
        "--type=merge", "-p", json.dumps({"operation": operation}),
    )  # fmt: skip


def data_of(kubectl: Kubectl, namespace: str, name: str) -> dict[str, str] | None:
    live = kubectl.get("configmap", "-n", namespace, name)
    return None if live is None else dict(live.get("data") or {})


def events(kubectl: Kubectl, namespace: str, reason: str) -> list[str]:
    items = kubectl.json("get", "events", "-n", namespace)["items"]
    return [str(e.get("message")) for e in items if e.get("reason") == reason]


@contextmanager
def first_object(kubectl: Kubectl, resource: str, namespace: str) -> Iterator[queue.Queue[str]]:
    """A watch on ``resource`` in ``namespace``; the queue receives the name of each
    object as the API server reports it (use ``get(timeout=...)`` to wait for the first)."""
    process = subprocess.Popen(
        ["kubectl", "--kubeconfig", kubectl.kubeconfig, "get", resource, "-n", namespace,
         "--watch", "-o", "name"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    names: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            names.put(line.strip())

    threading.Thread(target=read, daemon=True).start()
    try:
        yield names
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
