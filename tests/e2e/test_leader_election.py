"""Two replicas with --leader-elect: only the Lease holder reconciles, and when it dies
the other takes over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.controller import controller
from tests.support.gitserver import BareRepo
from tests.support.kube import Kubectl
from tests.support.seed import application

pytestmark = pytest.mark.usefixtures("crds")


def lease(kubectl: Kubectl, namespace: str) -> dict[str, Any]:
    found: dict[str, Any] = kubectl.get("lease", "-n", namespace, "gitopsd-controller") or {}
    return found


def synced(kubectl: Kubectl, namespace: str, name: str) -> bool:
    app = kubectl.get("applications.gitopsd.io", "-n", namespace, name) or {}
    return ((app.get("status") or {}).get("sync") or {}).get("status") == "Synced"


def test_only_the_leader_reconciles_and_a_follower_takes_over(
    kubectl: Kubectl, namespace: str, tmp_path: Path, kubeconfig: str, repo: BareRepo
) -> None:
    replicas = [
        controller(
            namespace,
            tmp_path / name,
            kubeconfig=kubeconfig,
            reconcile_interval="3s",
            extra_args=("--leader-elect",),
            env={"POD_ID": name},
        )
        for name in ("replica-a", "replica-b")
    ]
    first = replicas[0].__enter__()
    second = replicas[1].__enter__()
    try:
        holder = kubectl.wait_for(
            lambda: lease(kubectl, namespace).get("spec", {}).get("holderIdentity"),
            timeout=30,
            what="a Lease holder",
        )
        assert holder in ("replica-a", "replica-b")
        kubectl.apply(application("one", namespace, repo.url, automated={"prune": True}))
        kubectl.wait_for(lambda: synced(kubectl, namespace, "one"), timeout=60, what="one Synced")
        leader, follower = (first, second) if holder == "replica-a" else (second, first)
        # Only the leader synced the Application.
        assert "OperationStarted" in leader.log()
        assert "OperationStarted" not in follower.log()

        leader.kill()
        follower_name = "replica-b" if holder == "replica-a" else "replica-a"
        kubectl.wait_for(
            lambda: (
                lease(kubectl, namespace).get("spec", {}).get("holderIdentity") == follower_name
            ),
            timeout=45,
            what="the follower to take the Lease",
        )
        assert int(lease(kubectl, namespace)["spec"]["leaseTransitions"]) >= 1
        kubectl.apply(
            application(
                "two",
                namespace,
                repo.url,
                automated={"prune": True},
                path="apps/podinfo/overlays/dev",
            )
        )
        kubectl.wait_for(lambda: synced(kubectl, namespace, "two"), timeout=60, what="two Synced")
        assert "OperationStarted" in follower.log()
    finally:
        for replica in replicas:
            replica.__exit__(None, None, None)
