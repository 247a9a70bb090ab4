"""Fixtures for e2e tests: the cluster's kubeconfig, a namespace per test, kubectl."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from tests.support.kube import Kubectl


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
