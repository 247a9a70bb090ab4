"""Helpers for sharding stories: many small Applications, who owns what, Lease expiry.

Reads go through gitopsd's own API adapter (``KubeCluster``) because the stories poll
Applications and Leases several times a second; every assertion is about what the API
server holds, not about what a controller says.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitopsd.cluster import KubeCluster, from_kubeconfig
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.sharding import application_key, make_view, owner
from gitopsd.sharding.leases import MEMBER_SELECTOR, parse_lease
from tests.support.gitserver import BareRepo, bare_repo
from tests.support.kube import Kubectl

APPLICATION = GroupKind("gitopsd.io", "Application")
LEASE = GroupKind("coordination.k8s.io", "Lease")
CONFIGMAP = GroupKind("", "ConfigMap")


def app_name(index: int) -> str:
    return f"shard-{index:02d}"


def small_apps_repo(tmp_path: Path, count: int) -> BareRepo:
    """One directory per Application, each with one ConfigMap named after it."""
    repo = bare_repo(tmp_path, "shards")
    files: dict[str, str | None] = {
        f"apps/{app_name(i)}/configmap.yaml": yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": app_name(i)},
                "data": {"colour": "blue"},
            }
        )
        for i in range(count)
    }
    repo.commit(files, "small apps")
    return repo


def small_app(name: str, namespace: str, repo_url: str) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "project": "default",
            "source": {"repoURL": repo_url, "targetRevision": "main", "path": f"apps/{name}"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
        },
    }


def create_small_apps(kubectl: Kubectl, namespace: str, repo_url: str, count: int) -> list[str]:
    names = [app_name(i) for i in range(count)]
    manifest = yaml.safe_dump_all([small_app(n, namespace, repo_url) for n in names])
    kubectl.apply(manifest)
    return names


@dataclass
class Api:
    """Fast reads of the test's namespace."""

    cluster: KubeCluster
    namespace: str

    @classmethod
    def connect(cls, kubeconfig: str, namespace: str) -> Api:
        return cls(KubeCluster(from_kubeconfig(kubeconfig)), namespace)

    def applications(self) -> dict[str, dict[str, Any]]:
        items = self.cluster.list(APPLICATION, namespace=self.namespace)
        return {a["metadata"]["name"]: a for a in items}

    def writers(self, apps: dict[str, dict[str, Any]] | None = None) -> dict[str, str]:
        """Application name -> the replica its status names ("" for none), from ``apps``
        (one read of the Applications) or a fresh read."""
        apps = self.applications() if apps is None else apps
        return {
            name: str(((app.get("status") or {}).get("controller") or {}).get("replica") or "")
            for name, app in apps.items()
        }

    def leases(self) -> dict[str, dict[str, Any]]:
        """Holder -> Lease; a released Lease under its own name."""
        items = self.cluster.list(LEASE, namespace=self.namespace, label_selector=MEMBER_SELECTOR)
        return {parse_lease(i).member or i["metadata"]["name"]: i for i in items}

    def views(self) -> dict[str, tuple[str, ...]]:
        """Live holder -> the view its Lease publishes."""
        found = {}
        for holder, lease in self.leases().items():
            record = parse_lease(lease)
            if not record.released:
                found[holder] = record.view or ()
        return found

    def configmap(self, name: str) -> dict[str, Any] | None:
        return self.cluster.get(ResourceKey("", "ConfigMap", self.namespace, name))

    def synced_by(self, names: Iterable[str], owners: dict[str, str]) -> bool:
        """Every one of ``names`` Synced and Healthy by a status its owner in ``owners``
        wrote, judged from one read: from two reads, a stale status of a frozen replica
        could pass the first check and its successor's first write the second."""
        apps = self.applications()
        return self.all_synced(names, apps) and self.writers(apps) == owners

    def all_synced(
        self, names: Iterable[str], apps: dict[str, dict[str, Any]] | None = None
    ) -> bool:
        apps = self.applications() if apps is None else apps
        for name in names:
            status = (apps.get(name) or {}).get("status") or {}
            if (status.get("sync") or {}).get("status") != "Synced":
                return False
            if (status.get("health") or {}).get("status") != "Healthy":
                return False
        return True


def expected_owners(
    namespace: str, names: Iterable[str], replicas: Iterable[str]
) -> dict[str, str]:
    view = make_view(replicas)
    return {name: owner(application_key(namespace, name), view) or "" for name in names}


def lease_expiry(lease: dict[str, Any]) -> float:
    """When a Lease expires by its own record (renewTime + leaseDurationSeconds), as a
    Unix time: the test machine's clock is the one every process here shares."""
    spec = lease.get("spec") or {}
    renewed = dt.datetime.fromisoformat(str(spec["renewTime"]).replace("Z", "+00:00"))
    return renewed.timestamp() + float(spec["leaseDurationSeconds"])


def wall() -> float:
    return time.time()
