"""The one workload both sides reconcile: N units of 4 objects (bench_scale.py's
Deployment, Service, ConfigMap and ServiceAccount, one directory per unit of one
repository), served over smart HTTP with Basic authentication on 127.0.0.1, and the
resources that point each controller at it.

Called by ``bench_flux.py``. gitopsd gets one Application per unit and a repository
Secret; Flux gets one GitRepository, a basic-auth Secret and one Kustomization per unit
(``prune`` and ``wait`` on, so Ready means applied and healthy, as Synced+Healthy does).
Both deploy unit i into the same one of ten namespaces.
"""

from __future__ import annotations

from typing import Any

import yaml
from bench.bench_scale import DEST_NAMESPACES, app_name, applications, dest_namespace

GIT_USER = "bench"
GIT_TOKEN = "bench-git-token"  # a loopback-only server made for this run
FLUX_NAMESPACE = "flux-system"
# Flux's health wait may take as long as the cluster needs to start a unit's pod when a
# thousand start together; its default (the interval) would turn that into failures.
FLUX_TIMEOUT = "10m"


def namespaces_manifest(names: list[str]) -> str:
    return "".join(f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {n}\n" for n in names)


def destination_namespaces(count: int) -> list[str]:
    return sorted({dest_namespace(count, i) for i in range(DEST_NAMESPACES)})


# --- gitopsd ---------------------------------------------------------------------------
def gitopsd_repo_secret(namespace: str, url: str) -> str:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "bench-repo",
            "namespace": namespace,
            "labels": {"gitopsd.io/secret-type": "repository"},
        },
        "stringData": {"type": "git", "url": url, "username": GIT_USER, "password": GIT_TOKEN},
    }
    return yaml.safe_dump(secret)


def gitopsd_applications(count: int, namespace: str, url: str) -> str:
    return applications(count, namespace, url)


# --- Flux ------------------------------------------------------------------------------
def flux_source(url: str) -> str:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "bench-repo", "namespace": FLUX_NAMESPACE},
        "stringData": {"username": GIT_USER, "password": GIT_TOKEN},
    }
    repository = {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": "fleet", "namespace": FLUX_NAMESPACE},
        "spec": {
            "interval": "1m",
            "url": url,
            "ref": {"branch": "main"},
            "secretRef": {"name": "bench-repo"},
        },
    }
    return yaml.safe_dump_all([secret, repository])


def kustomization(count: int, index: int, interval: str) -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": app_name(index), "namespace": FLUX_NAMESPACE},
        "spec": {
            "interval": interval,
            "timeout": FLUX_TIMEOUT,
            "path": f"./apps/{app_name(index)}",
            "prune": True,
            "wait": True,
            "targetNamespace": dest_namespace(count, index),
            "sourceRef": {"kind": "GitRepository", "name": "fleet"},
        },
    }


def flux_kustomizations(count: int, interval: str) -> str:
    return yaml.safe_dump_all([kustomization(count, i, interval) for i in range(count)])
