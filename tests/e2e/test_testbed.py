"""Proof that the local control plane behaves like a real cluster where gitopsd depends on it.

Health checks need Deployments to become Available and Jobs Complete (kwok plays the
kubelet); pruning and Application deletion need namespace deletion and ownerReference
garbage collection; the permission model needs RBAC to deny and then allow a token.
"""

from __future__ import annotations

import base64
import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.kube import Kubectl, condition_true

TIMEOUT = 60.0


def _deployment(name: str, replicas: int) -> str:
    return json.dumps(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    # Never pulled: kwok's fake nodes only pretend to run containers.
                    "spec": {
                        "containers": [{"name": "web", "image": "registry.example.com/web:1"}]
                    },
                },
            },
        }
    )


def test_deployment_becomes_available(kubectl: Kubectl, namespace: str) -> None:
    kubectl.apply(_deployment("web", 2), "-n", namespace)

    deployment = kubectl.wait_for(
        lambda: _if(kubectl.get("-n", namespace, "deployment", "web"), "Available"),
        timeout=TIMEOUT,
        what="Deployment web to be Available",
    )

    assert deployment["status"]["availableReplicas"] == 2
    pods = kubectl.json("-n", namespace, "get", "pods", "-l", "app=web")["items"]
    assert [pod["status"]["phase"] for pod in pods] == ["Running", "Running"]


def test_job_becomes_complete(kubectl: Kubectl, namespace: str) -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate"},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "migrate", "image": "registry.example.com/db:1"}],
                }
            },
        },
    }
    kubectl.apply(json.dumps(job), "-n", namespace)

    done = kubectl.wait_for(
        lambda: _if(kubectl.get("-n", namespace, "job", "migrate"), "Complete"),
        timeout=TIMEOUT,
        what="Job migrate to be Complete",
    )

    assert done["status"]["succeeded"] == 1


def test_deleting_a_namespace_completes(kubectl: Kubectl) -> None:
    name = f"doomed-{uuid.uuid4().hex[:6]}"
    kubectl.run("create", "namespace", name)
    kubectl.run("-n", name, "create", "configmap", "settings", "--from-literal=a=b")
    kubectl.apply(_deployment("web", 1), "-n", name)

    kubectl.run("delete", "namespace", name, "--wait=false")

    kubectl.wait_for(
        lambda: kubectl.get("namespace", name) is None,
        timeout=TIMEOUT,
        what=f"namespace {name} to disappear",
    )


def test_deleting_an_owner_garbage_collects_its_dependents(
    kubectl: Kubectl, namespace: str
) -> None:
    kubectl.run("-n", namespace, "create", "configmap", "owner")
    owner = kubectl.get("-n", namespace, "configmap", "owner")
    assert owner is not None
    dependent = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "dependent",
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "name": "owner",
                    "uid": owner["metadata"]["uid"],
                }
            ],
        },
    }
    kubectl.apply(json.dumps(dependent), "-n", namespace)
    kubectl.run("-n", namespace, "create", "configmap", "bystander")

    kubectl.run("-n", namespace, "delete", "configmap", "owner")

    kubectl.wait_for(
        lambda: kubectl.get("-n", namespace, "configmap", "dependent") is None,
        timeout=TIMEOUT,
        what="the dependent ConfigMap to be garbage-collected",
    )
    assert kubectl.get("-n", namespace, "configmap", "bystander") is not None


def test_deleting_a_deployment_garbage_collects_its_replica_sets_and_pods(
    kubectl: Kubectl, namespace: str
) -> None:
    kubectl.apply(_deployment("api", 1), "-n", namespace)

    def owned(kind: str) -> list[Any]:
        items: list[Any] = kubectl.json("-n", namespace, "get", kind, "-l", "app=api")["items"]
        return items

    kubectl.wait_for(
        lambda: owned("replicasets") and owned("pods"),
        timeout=TIMEOUT,
        what="the Deployment's ReplicaSet and Pod",
    )

    kubectl.run("-n", namespace, "delete", "deployment", "api", "--wait=false")

    kubectl.wait_for(
        lambda: not owned("replicasets") and not owned("pods"),
        timeout=TIMEOUT,
        what="the ReplicaSet and Pod to be garbage-collected",
    )


def test_a_token_is_forbidden_until_a_role_binding_grants_access(
    kubectl: Kubectl, namespace: str, tmp_path: Path
) -> None:
    kubectl.run("-n", namespace, "create", "serviceaccount", "reader")
    token = kubectl.run("-n", namespace, "create", "token", "reader", "--duration=10m").strip()
    as_reader = _kubectl_with_token(kubectl, token, tmp_path)
    list_configmaps = ("get", "--raw", f"/api/v1/namespaces/{namespace}/configmaps")

    denied = as_reader(*list_configmaps)
    assert denied.returncode != 0
    assert "(Forbidden)" in denied.stderr  # HTTP 403, not 401: the token itself is valid
    assert f"system:serviceaccount:{namespace}:reader" in denied.stderr

    kubectl.run(
        "-n",
        namespace,
        "create",
        "role",
        "read-configmaps",
        "--verb=get,list",
        "--resource=configmaps",
    )
    kubectl.run(
        "-n",
        namespace,
        "create",
        "rolebinding",
        "reader-reads-configmaps",
        "--role=read-configmaps",
        f"--serviceaccount={namespace}:reader",
    )

    allowed = kubectl.wait_for(
        lambda: _succeeded(as_reader(*list_configmaps)),
        timeout=TIMEOUT,
        what="the RoleBinding to grant access",
    )
    assert json.loads(allowed.stdout)["kind"] == "ConfigMapList"
    # The grant is exactly what the Role says: secrets stay out of reach.
    secrets = as_reader("get", "--raw", f"/api/v1/namespaces/{namespace}/secrets")
    assert "(Forbidden)" in secrets.stderr


def _if(obj: dict[str, Any] | None, condition: str) -> dict[str, Any] | None:
    """``obj`` when its ``condition`` is True, else None (for ``wait_for``)."""
    return obj if condition_true(obj, condition) else None


def _succeeded(
    done: subprocess.CompletedProcess[str],
) -> subprocess.CompletedProcess[str] | None:
    return done if done.returncode == 0 else None


def _kubectl_with_token(
    kubectl: Kubectl, token: str, tmp_path: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """kubectl speaking to the test cluster as the bearer of ``token``, nothing else."""
    config = kubectl.json("config", "view", "--raw", "--minify")
    cluster = config["clusters"][0]["cluster"]
    ca_file = cluster.get("certificate-authority")
    if not ca_file:
        ca_path = tmp_path / "ca.crt"
        ca_path.write_bytes(base64.b64decode(cluster["certificate-authority-data"]))
        ca_file = str(ca_path)
    empty = tmp_path / "empty-kubeconfig"
    empty.write_text("apiVersion: v1\nkind: Config\n")
    base = [
        "kubectl",
        f"--kubeconfig={empty}",
        f"--server={cluster['server']}",
        f"--certificate-authority={ca_file}",
        f"--token={token}",
    ]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*base, *args], capture_output=True, text=True, check=False, timeout=60
        )

    return run
