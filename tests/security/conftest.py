"""Fixtures for the security suite: each test attacks the real local control plane as a
tenant who may create one Application would, and shows the attack refused with nothing
written. The e2e fixtures (cluster, namespace per test, CRDs, controller) are shared."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import crds, ctl, kubeconfig, kubectl, namespace, repo

__all__ = ["crds", "ctl", "kubeconfig", "kubectl", "namespace", "repo"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/security/" in str(item.path):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.security)
