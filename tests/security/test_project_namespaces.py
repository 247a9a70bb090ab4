"""A tenant's objects land only where its AppProject allows.

The tenant may create one Application in project ``tenant`` (destinations
``<test>-a-*``) and push to its repository. Each story writes an object with an explicit
``metadata.namespace`` elsewhere, and shows the sync refused with a condition naming the
object, and nothing written: not the foreign object, not even the tenant's own ones. The
last story seeds the inventory as an earlier, looser project would have, then tightens
the project: what is outside it now is never pruned nor deleted with the Application.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.appsets import APPS, delete_namespaces, exists, status_of
from tests.support.controller import RunningController
from tests.support.gitserver import BareRepo
from tests.support.kube import Kubectl
from tests.support.tenants import (
    application,
    destinations,
    docs,
    project_manifest,
    tracking_marks,
    wait_condition,
    wait_operation,
)

pytestmark = pytest.mark.usefixtures("crds")

ORIGINAL_PASSWORD = "team-b-original"


@pytest.fixture
def tenant_namespace(kubectl: Kubectl, namespace: str) -> Iterator[str]:
    """The namespace the tenant may deploy to, ``<test>-a-web``."""
    name = f"{namespace}-a-web"
    kubectl.run("create", "namespace", name)
    yield name
    delete_namespaces(kubectl, [name])


@pytest.fixture
def victim_namespace(kubectl: Kubectl, namespace: str) -> Iterator[str]:
    """Another team's namespace, outside the tenant's project, with its database Secret."""
    name = f"{namespace}-b-db"
    kubectl.run("create", "namespace", name)
    kubectl.run(
        "-n", name, "create", "secret", "generic", "db-password",
        f"--from-literal=password={ORIGINAL_PASSWORD}",
    )  # fmt: skip
    yield name
    delete_namespaces(kubectl, [name])


def config_map(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def cluster_admin_binding(name: str, namespace: str, subject_namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": name, "namespace": namespace},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "cluster-admin",
        },
        "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": subject_namespace}],
    }


def secret(namespace: str, password: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db-password", "namespace": namespace},
        "stringData": {"password": password},
    }


def password_of(kubectl: Kubectl, namespace: str) -> str:
    live = kubectl.get("secret", "-n", namespace, "db-password") or {}
    return base64.b64decode((live.get("data") or {}).get("password", "")).decode()


def start_tenant(
    kubectl: Kubectl, namespace: str, repo: BareRepo, tenant: str, *extra: str, **options: Any
) -> None:
    """Project ``tenant`` (destinations ``tenant`` plus ``extra``), and its Application."""
    kubectl.apply(project_manifest("tenant", namespace, destinations=destinations(tenant, *extra)))
    kubectl.apply(
        application(
            "tenant", namespace, repo.url, "tenant", project="tenant", destination=tenant, **options
        )
    )


def assert_nothing_applied(kubectl: Kubectl, namespace: str, tenant: str) -> None:
    assert not exists(kubectl, "configmap", tenant, "tenant-settings")
    assert not status_of(kubectl, APPS, namespace, "tenant").get("operationState")


def test_a_rolebinding_to_cluster_admin_in_another_namespace_is_refused(
    kubectl: Kubectl,
    namespace: str,
    tenant_namespace: str,
    victim_namespace: str,
    repo: BareRepo,
    ctl: RunningController,
) -> None:
    binding = cluster_admin_binding("tenant-admin", victim_namespace, tenant_namespace)
    repo.commit({"tenant/objects.yaml": docs(config_map("tenant-settings"), binding)})
    start_tenant(kubectl, namespace, repo, tenant_namespace)

    key = f"RoleBinding/{victim_namespace}/tenant-admin"
    message = wait_condition(kubectl, namespace, "tenant", "InvalidSpecError", key)
    assert message == (
        f"{key}: namespace {victim_namespace} is not permitted in project tenant (destinations)"
    )
    assert not exists(kubectl, "rolebinding", victim_namespace, "tenant-admin")
    assert_nothing_applied(kubectl, namespace, tenant_namespace)


def test_a_rolebinding_to_cluster_admin_in_kube_system_is_refused(
    kubectl: Kubectl,
    namespace: str,
    tenant_namespace: str,
    repo: BareRepo,
    ctl: RunningController,
) -> None:
    name = f"{namespace}-admin"  # unique: kube-system is shared by every test
    binding = cluster_admin_binding(name, "kube-system", tenant_namespace)
    repo.commit({"tenant/objects.yaml": docs(config_map("tenant-settings"), binding)})
    start_tenant(kubectl, namespace, repo, tenant_namespace)

    key = f"RoleBinding/kube-system/{name}"
    message = wait_condition(kubectl, namespace, "tenant", "InvalidSpecError", key)
    assert "namespace kube-system is not permitted in project tenant (destinations)" in message
    assert not exists(kubectl, "rolebinding", "kube-system", name)
    assert_nothing_applied(kubectl, namespace, tenant_namespace)


def test_overwriting_another_teams_secret_is_refused(
    kubectl: Kubectl,
    namespace: str,
    tenant_namespace: str,
    victim_namespace: str,
    repo: BareRepo,
    ctl: RunningController,
) -> None:
    before = kubectl.get("secret", "-n", victim_namespace, "db-password")
    repo.commit(
        {
            "tenant/objects.yaml": docs(
                config_map("tenant-settings"), secret(victim_namespace, "tenant-controlled")
            )
        }
    )
    start_tenant(kubectl, namespace, repo, tenant_namespace)

    key = f"Secret/{victim_namespace}/db-password"
    message = wait_condition(kubectl, namespace, "tenant", "InvalidSpecError", key)
    assert "tenant-controlled" not in message
    after = kubectl.get("secret", "-n", victim_namespace, "db-password")
    assert password_of(kubectl, victim_namespace) == ORIGINAL_PASSWORD
    assert (after or {})["metadata"]["resourceVersion"] == (before or {})["metadata"][
        "resourceVersion"
    ]
    assert tracking_marks(after) == {}
    assert_nothing_applied(kubectl, namespace, tenant_namespace)


def test_an_object_outside_a_tightened_project_is_never_pruned_nor_deleted(
    kubectl: Kubectl,
    namespace: str,
    tenant_namespace: str,
    victim_namespace: str,
    repo: BareRepo,
    ctl: RunningController,
) -> None:
    # An earlier, permissive project let the tenant write the Secret (inventory seeded).
    kubectl.run("-n", victim_namespace, "delete", "secret", "db-password")
    repo.commit(
        {
            "tenant/settings.yaml": docs(config_map("tenant-settings")),
            "tenant/secret.yaml": docs(secret(victim_namespace, ORIGINAL_PASSWORD)),
        }
    )
    start_tenant(kubectl, namespace, repo, tenant_namespace, victim_namespace, finalizer=True)
    wait_operation(kubectl, namespace, "tenant", repo.head())
    secret_key = f"Secret/{victim_namespace}/db-password"
    assert tracking_marks(kubectl.get("secret", "-n", victim_namespace, "db-password"))

    # The project is tightened: the Secret, still in Git, is refused, nothing is written.
    kubectl.apply(
        project_manifest("tenant", namespace, destinations=destinations(tenant_namespace))
    )
    wait_condition(kubectl, namespace, "tenant", "InvalidSpecError", secret_key)

    # The tenant removes it from Git: the sync prunes, but not outside the project.
    sha = repo.commit({"tenant/secret.yaml": None}, "drop the Secret")
    state = wait_operation(kubectl, namespace, "tenant", sha)
    (entry,) = [r for r in state["syncResult"]["resources"] if r["kind"] == "Secret"]
    assert entry["status"] == "PruneSkipped"
    assert entry["message"] == (
        f"{secret_key}: not deleted: namespace {victim_namespace} is not permitted in project"
        " tenant (destinations)"
    )
    warning = wait_condition(kubectl, namespace, "tenant", "ExcludedResourceWarning", secret_key)
    assert "never pruned or deleted" in warning
    assert password_of(kubectl, victim_namespace) == ORIGINAL_PASSWORD

    # Deleting the Application with its resources finalizer: its own objects go, the
    # Secret stays, and the deletion completes.
    kubectl.run("-n", namespace, "delete", APPS, "tenant", "--wait=false")
    kubectl.wait_for(
        lambda: kubectl.get(APPS, "-n", namespace, "tenant") is None,
        timeout=60,
        what="the tenant Application to be deleted",
    )
    assert not exists(kubectl, "configmap", tenant_namespace, "tenant-settings")
    assert password_of(kubectl, victim_namespace) == ORIGINAL_PASSWORD
