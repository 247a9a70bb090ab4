"""A kind installed after the controller started is checked with its real scope.

The controller caches API discovery. An administrator installs a cluster-scoped CRD while
it runs; the tenant, whose project whitelists no cluster-scoped kind, pushes an object of
that kind. A stale cache would place it as namespaced, pass it, and create it: instead
the unknown kind refreshes discovery before anything is applied, and the object is
refused by ``clusterResourceWhitelist`` and never created.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.appsets import delete_namespaces
from tests.support.controller import RunningController
from tests.support.gitserver import BareRepo
from tests.support.kube import Kubectl
from tests.support.tenants import (
    application,
    destinations,
    docs,
    project_manifest,
    wait_condition,
    wait_operation,
)

pytestmark = pytest.mark.usefixtures("crds")


@pytest.fixture
def tenant_namespace(kubectl: Kubectl, namespace: str) -> Iterator[str]:
    name = f"{namespace}-a-web"
    kubectl.run("create", "namespace", name)
    yield name
    delete_namespaces(kubectl, [name])


@pytest.fixture
def widget_group(kubectl: Kubectl, namespace: str) -> Iterator[str]:
    """A group of this test's own, so its CRD collides with no other test; removed after."""
    group = f"{namespace}.example.com"
    yield group
    kubectl.run(
        "delete", "crd", f"widgets.{group}", "--ignore-not-found", "--wait=false", check=False
    )


def widget_crd(group: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Cluster",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


def test_a_cluster_scoped_kind_installed_after_start_is_refused_and_never_created(
    kubectl: Kubectl,
    namespace: str,
    tenant_namespace: str,
    widget_group: str,
    repo: BareRepo,
    ctl: RunningController,
) -> None:
    settings = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}}
    repo.commit({"tenant/settings.yaml": docs(settings)})
    kubectl.apply(
        project_manifest("tenant", namespace, destinations=destinations(tenant_namespace))
    )
    kubectl.apply(
        application(
            "tenant", namespace, repo.url, "tenant", project="tenant", destination=tenant_namespace
        )
    )
    # A first sync: the controller has read (and cached) discovery by now.
    wait_operation(kubectl, namespace, "tenant", repo.head())

    kubectl.apply(docs(widget_crd(widget_group)))
    kubectl.run(
        "wait", "--for=condition=Established", f"crd/widgets.{widget_group}", "--timeout=30s"
    )
    widget = {
        "apiVersion": f"{widget_group}/v1",
        "kind": "Widget",
        "metadata": {"name": "everywhere"},
    }
    repo.commit({"tenant/widget.yaml": docs(widget)}, "a Widget")

    message = wait_condition(kubectl, namespace, "tenant", "InvalidSpecError", "Widget/")
    assert message == (
        f"Widget/everywhere: resource {widget_group}:Widget is not permitted in project tenant"
        " (clusterResourceWhitelist)"
    )
    assert kubectl.json("get", f"widgets.{widget_group}")["items"] == []
