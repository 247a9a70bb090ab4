"""Health out of the box for the platform's custom resources, against the real API server.

The story: an Application deploys an Argo Rollout, a SealedSecret and a cert-manager
Certificate into a cluster that has their CRDs but none of their controllers. The Rollout
is Progressing (nothing has rolled it out), never Healthy, and so is the Application. Then
the test plays the missing controllers, writing status the way each project documents it:
the SealedSecret cannot be decrypted (Degraded, with the controller's message), the
Certificate is issued (Healthy), the SealedSecret is unsealed after all (Healthy); the
Rollout, still without a controller, keeps the Application Progressing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.controller import RunningController
from tests.support.gitserver import bare_repo
from tests.support.kube import Kubectl, condition_true

CRDS = Path(__file__).parent / "testdata" / "health" / "crds.yaml"
CRD_NAMES = ("rollouts.argoproj.io", "sealedsecrets.bitnami.com", "certificates.cert-manager.io")
APP = "platform"

pytestmark = pytest.mark.usefixtures("crds")


@pytest.fixture(scope="session")
def platform_crds(kubectl: Kubectl) -> None:
    kubectl.run("apply", "--server-side", "--field-manager=gitopsd-tests", "-f", str(CRDS))
    for name in CRD_NAMES:
        kubectl.wait_for(
            lambda name=name: condition_true(kubectl.get("crd", name), "Established"),
            timeout=60,
            what=f"CRD {name} Established",
        )


def manifests() -> dict[str, str]:
    rollout = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "checkout"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "checkout"}},
            "template": {
                "metadata": {"labels": {"app": "checkout"}},
                "spec": {"containers": [{"name": "checkout", "image": "checkout:2.0"}]},
            },
            "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}]}},
        },
    }
    sealed = {
        "apiVersion": "bitnami.com/v1alpha1",
        "kind": "SealedSecret",
        "metadata": {"name": "db-credentials"},
        "spec": {
            "encryptedData": {"password": "AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq"},
            "template": {"metadata": {"name": "db-credentials"}},
        },
    }
    certificate = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "checkout-tls"},
        "spec": {
            "secretName": "checkout-tls",
            "dnsNames": ["checkout.example.com"],
            "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"},
        },
    }
    return {
        f"platform/{name}.yaml": yaml.safe_dump(body)
        for name, body in (("rollout", rollout), ("sealed", sealed), ("cert", certificate))
    }


def application(namespace: str, repo_url: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "gitopsd.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": APP, "namespace": namespace},
            "spec": {
                "project": "default",
                "source": {"repoURL": repo_url, "targetRevision": "main", "path": "platform"},
                "destination": {
                    "server": "https://kubernetes.default.svc",
                    "namespace": namespace,
                },
                "syncPolicy": {"automated": {"prune": True}},
            },
        }
    )


def app_status(kubectl: Kubectl, namespace: str) -> dict[str, Any]:
    app = kubectl.get("applications.gitopsd.io", "-n", namespace, APP) or {}
    status: dict[str, Any] = app.get("status") or {}
    return status


def healths(kubectl: Kubectl, namespace: str) -> dict[str, dict[str, Any]]:
    return {
        entry["kind"]: entry.get("health") or {}
        for entry in app_status(kubectl, namespace).get("resources") or []
    }


def wait_health(
    kubectl: Kubectl, namespace: str, kind: str, status: str, message: str | None = None
) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        health = healths(kubectl, namespace).get(kind) or {}
        matches = health.get("status") == status
        if message is not None:
            matches = matches and health.get("message") == message
        return health if matches else None

    result: dict[str, Any] = kubectl.wait_for(
        reached, timeout=120, what=f"{kind} reported {status} in {APP}'s status"
    )
    return result


def write_status(
    kubectl: Kubectl, namespace: str, resource: str, name: str, status: dict[str, Any]
) -> None:
    """Play the controller: a merge patch on the status subresource."""
    kubectl.run(
        "-n",
        namespace,
        "patch",
        resource,
        name,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": status}),
    )


@pytest.mark.usefixtures("platform_crds")
def test_rollout_without_controller_is_progressing_and_crds_report_their_real_state(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(manifests(), "checkout service with its secret and certificate")
    kubectl.apply(application(namespace, repo.url))

    # Synced: all three objects exist; none has a controller yet.
    kubectl.wait_for(
        lambda: app_status(kubectl, namespace).get("sync", {}).get("status") == "Synced",
        timeout=120,
        what=f"{APP} Synced",
    )
    rollout = wait_health(kubectl, namespace, "Rollout", "Progressing")
    assert rollout["message"] == "Waiting for the rollout controller to observe the latest spec"
    assert wait_health(kubectl, namespace, "SealedSecret", "Progressing")
    assert wait_health(kubectl, namespace, "Certificate", "Progressing")

    assert app_status(kubectl, namespace)["health"]["status"] == "Progressing"

    # The sealed-secrets controller cannot decrypt the secret.
    write_status(
        kubectl,
        namespace,
        "sealedsecrets.bitnami.com",
        "db-credentials",
        {
            "observedGeneration": 1,
            "conditions": [
                {
                    "type": "Synced",
                    "status": "False",
                    "message": "no key could decrypt secret (password)",
                }
            ],
        },
    )
    wait_health(
        kubectl, namespace, "SealedSecret", "Degraded", "no key could decrypt secret (password)"
    )
    kubectl.wait_for(
        lambda: app_status(kubectl, namespace).get("health", {}).get("status") == "Degraded",
        timeout=60,
        what=f"{APP} Degraded while its secret cannot be unsealed",
    )

    # cert-manager issues the certificate.
    write_status(
        kubectl,
        namespace,
        "certificates.cert-manager.io",
        "checkout-tls",
        {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "Ready",
                    "message": "Certificate is up to date and has not expired",
                    "observedGeneration": 1,
                }
            ]
        },
    )
    wait_health(
        kubectl,
        namespace,
        "Certificate",
        "Healthy",
        "Certificate is up to date and has not expired",
    )

    # The secret is unsealed after all; only the Rollout is left waiting. The passes that
    # picked up each status change above assessed the Rollout again: still Progressing.
    write_status(
        kubectl,
        namespace,
        "sealedsecrets.bitnami.com",
        "db-credentials",
        {"observedGeneration": 1, "conditions": [{"type": "Synced", "status": "True"}]},
    )
    wait_health(kubectl, namespace, "SealedSecret", "Healthy")
    final = kubectl.wait_for(
        lambda: (
            (s := app_status(kubectl, namespace)).get("health", {}).get("status") == "Progressing"
            and s
        ),
        timeout=60,
        what=f"{APP} back to Progressing, held by the Rollout",
    )
    assert healths(kubectl, namespace)["Rollout"]["status"] == "Progressing"
    assert final["sync"]["status"] == "Synced"
