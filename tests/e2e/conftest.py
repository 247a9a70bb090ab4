"""Fixtures for e2e tests: the cluster's kubeconfig, a namespace per test, kubectl."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.controller import RunningController, controller
from tests.support.crds import install_crds
from tests.support.gitserver import BareRepo
from tests.support.kube import Kubectl
from tests.support.seed import seed_repo


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def kubeconfig() -> str:
    path = os.environ.get("KUBECONFIG")
    if not path:
        pytest.fail("KUBECONFIG is not set: the session did not start a cluster")
    return path


@pytest.fixture(scope="session")
def kubectl(kubeconfig: str) -> Kubectl:
    return Kubectl(kubeconfig)


@pytest.fixture
def namespace(request: pytest.FixtureRequest, kubectl: Kubectl) -> Iterator[str]:
    """A fresh namespace named after the test, deleted (without waiting) afterwards."""
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40].strip("-")
    name = f"{slug}-{uuid.uuid4().hex[:5]}"
    kubectl.run("create", "namespace", name)
    kubectl.wait_for(
        lambda: kubectl.ok("-n", name, "get", "serviceaccount", "default"),
        timeout=30,
        what=f"default ServiceAccount in {name}",
    )
    yield name
    subprocess.run(
        [
            "kubectl",
            "--kubeconfig",
            kubectl.kubeconfig,
            "delete",
            "namespace",
            name,
            "--wait=false",
        ],
        capture_output=True,
        check=False,
    )


@pytest.fixture(scope="session")
def crds(kubectl: Kubectl) -> None:
    """gitopsd's CRDs, installed once per session (idempotent across workers)."""
    install_crds(kubectl)


@pytest.fixture
def repo(tmp_path: Path) -> BareRepo:
    """The example repository (examples/repo) in a real bare Git repository."""
    return seed_repo(tmp_path)


@pytest.fixture
def ctl(crds: None, namespace: str, tmp_path: Path, kubeconfig: str) -> Iterator[RunningController]:
    """A controller process for this test's namespace, polling Git every 3 s."""
    with controller(
        namespace, tmp_path / "ctl", kubeconfig=kubeconfig, reconcile_interval="3s"
    ) as running:
        yield running
