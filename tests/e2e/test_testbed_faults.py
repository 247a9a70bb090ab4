"""The test bed under stress: clusters started at the same moment, and an API server outage.

Several clusters started together must each come up whole (no component lost to a port
another one took), and a fault-injection test must be able to stop the API server and get
the whole control plane back: kube-controller-manager and kube-scheduler exit after an API
server outage of about ten seconds, and the supervisor started by ``hack/cluster.sh up``
starts them again once the API server is released. These tests start clusters of their own
so the session's shared cluster never goes down under other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.support.cluster2 import CLUSTER_SCRIPT, REPO, second_cluster
from tests.support.kube import Kubectl, condition_true

wait_for = Kubectl.wait_for

TIMEOUT = 120.0


def _cluster_state(name: str) -> Path:
    root = Path(os.environ.get("GITOPSD_CLUSTER_ROOT", REPO / ".work" / "clusters"))
    return root / name


def _pid_file(name: str, component: str) -> Path:
    return _cluster_state(name) / "kwok" / "clusters" / name / "pids" / f"{component}.pid"


def _alive(name: str, component: str) -> int | None:
    """The component's pid while its process runs, else None."""
    try:
        pid = int(_pid_file(name, component).read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLUSTER_SCRIPT), *args], capture_output=True, text=True, check=False, timeout=300
    )


def _kubeconfig(up: subprocess.CompletedProcess[str]) -> str:
    return up.stdout.strip().splitlines()[-1].removeprefix("export KUBECONFIG=")


def _ready_nodes(kubectl: Kubectl) -> int:
    nodes = kubectl.json("get", "nodes")["items"]
    return sum(
        1
        for node in nodes
        for cond in node.get("status", {}).get("conditions", [])
        if cond.get("type") == "Ready" and cond.get("status") == "True"
    )


def test_two_clusters_started_at_the_same_moment_both_come_up_whole() -> None:
    names = [f"gitopsd-pair-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda name: _script("up", name), names))
        for name, result in zip(names, results, strict=True):
            assert result.returncode == 0, f"{name} did not come up:\n{result.stderr}"
            kubectl = Kubectl(_kubeconfig(result))
            components = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
            for component in (*components, "kwok-controller"):
                assert _alive(name, component), f"{name}: {component} is not running"
            assert _ready_nodes(kubectl) >= 2, f"{name}: nodes not Ready"
        servers = {
            Kubectl(_kubeconfig(result)).run(
                "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"
            )
            for result in results
        }
        assert len(servers) == 2, f"both clusters answer at {servers}"
    finally:
        for name in names:
            _script("down", name)


def test_the_control_plane_comes_back_whole_after_an_api_server_outage() -> None:
    with second_cluster(f"gitopsd-outage-{uuid.uuid4().hex[:6]}") as cluster:
        name = cluster.name
        manager_before = _alive(name, "kube-controller-manager")
        assert manager_before, "kube-controller-manager is not running before the outage"

        held = _script("hold", "kube-apiserver", name)
        assert held.returncode == 0, held.stderr
        try:
            assert _alive(name, "kube-apiserver") is None
            # The controller manager gives up on its leader lease once the API server has
            # been gone for about ten seconds: the fault this supervision exists for.
            wait_for(
                lambda: _alive(name, "kube-controller-manager") != manager_before,
                timeout=TIMEOUT,
                what="kube-controller-manager to exit during the outage",
            )
        finally:
            released = _script("release", "kube-apiserver", name)
            assert released.returncode == 0, released.stderr

        for component in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
            wait_for(
                lambda component=component: _alive(name, component) is not None,
                timeout=TIMEOUT,
                what=f"{component} running again",
            )
        # A Deployment created after the outage needs the controller manager (ReplicaSet,
        # Pods), the scheduler (binding) and kwok (readiness) all working again.
        kubectl = cluster.kubectl
        deployment = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "after-outage", "namespace": "default"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "after-outage"}},
                "template": {
                    "metadata": {"labels": {"app": "after-outage"}},
                    "spec": {"containers": [{"name": "web", "image": "registry.example.com/w:1"}]},
                },
            },
        }
        wait_for(
            lambda: (
                kubectl.result("apply", "-f", "-", stdin=json.dumps(deployment)).returncode == 0
            ),
            timeout=TIMEOUT,
            what="the API server to accept writes again",
        )
        wait_for(
            lambda: condition_true(
                kubectl.get("deployment/after-outage", "-n", "default"), "Available"
            ),
            timeout=TIMEOUT,
            what="a Deployment created after the outage to become Available",
        )
