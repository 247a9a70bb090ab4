"""App-of-apps and ApplicationSets stay in their parent's project.

The tenant's root Application (project ``tenant``, allowed to write Applications into the
controller's namespace, which app-of-apps needs) renders child Applications. A child
naming another project, a child taking over another team's Application or the tenant's
own AppProject, a new AppProject written without the cluster-wide whitelist, and an
ApplicationSet whose template names another project are all refused with a condition
naming the object and the project, and nothing is written.
``permittedChildProjects`` is the one way to let children into other projects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.support.appsets import (
    APPS,
    APPSETS,
    IN_CLUSTER,
    condition,
    delete_namespaces,
    exists,
    status_of,
    wait_synced_healthy,
)
from tests.support.controller import RunningController
from tests.support.gitserver import BareRepo
from tests.support.kube import Kubectl
from tests.support.tenants import (
    GROUP_VERSION,
    application,
    application_body,
    destinations,
    docs,
    project_manifest,
    tracking_marks,
    wait_condition,
)

pytestmark = pytest.mark.usefixtures("crds")

RULE = "(permittedChildProjects)"


@pytest.fixture
def tenant_namespace(kubectl: Kubectl, namespace: str) -> Iterator[str]:
    name = f"{namespace}-a-web"
    kubectl.run("create", "namespace", name)
    yield name
    delete_namespaces(kubectl, [name])


def cluster_role(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name},
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
    }


def start_root(
    kubectl: Kubectl, namespace: str, repo: BareRepo, tenant: str, **project: Any
) -> None:
    """Project ``tenant`` (its namespace and the controller's) and the root Application
    over ``root/`` in the repository."""
    allowed = destinations(namespace, tenant)
    kubectl.apply(project_manifest("tenant", namespace, destinations=allowed, **project))
    kubectl.apply(
        application("root", namespace, repo.url, "root", project="tenant", destination=namespace)
    )


def test_a_child_application_in_the_default_project_is_refused(
    kubectl: Kubectl,
    namespace: str,
    tenant_namespace: str,
    repo: BareRepo,
    ctl: RunningController,
) -> None:
    escalate = f"{namespace}-escalate"
    child = application_body(
        "child", namespace, repo.url, "payload", project="default", destination=tenant_namespace
    )
    repo.commit({"root/child.yaml": docs(child), "payload/role.yaml": docs(cluster_role(escalate))})
    start_root(kubectl, namespace, repo, tenant_namespace)

    key = f"Application/{namespace}/child"
    message = wait_condition(kubectl, namespace, "root", "InvalidSpecError", key)
    assert message == (
        f"{key}: project default is not permitted for child Applications of project tenant {RULE}"
    )
    assert not exists(kubectl, APPS, namespace, "child")
    assert not exists(kubectl, "clusterrole", None, escalate)


def test_permitted_child_projects_let_a_child_into_another_project(
    kubectl: Kubectl,
    namespace: str,
    tenant_namespace: str,
    repo: BareRepo,
    ctl: RunningController,
) -> None:
    kubectl.apply(
        project_manifest("team-web", namespace, destinations=destinations(tenant_namespace))
    )
    child = application_body(
        "child", namespace, repo.url, "payload", project="team-web", destination=tenant_namespace
    )
    settings = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "child-settings"}}
    repo.commit({"root/child.yaml": docs(child), "payload/settings.yaml": docs(settings)})
    start_root(kubectl, namespace, repo, tenant_namespace, permittedChildProjects=["team-*"])

    wait_synced_healthy(kubectl, namespace, "child")
    live = kubectl.get(APPS, "-n", namespace, "child") or {}
    assert live["spec"]["project"] == "team-web"
    assert exists(kubectl, "configmap", tenant_namespace, "child-settings")


def test_taking_over_another_teams_application_by_name_is_refused(
    kubectl: Kubectl,
    namespace: str,
    tenant_namespace: str,
    repo: BareRepo,
    ctl: RunningController,
) -> None:
    # Team B's Application, written directly (not automated: it stays as it is).
    team_b = application_body(
        "team-b-api", namespace, repo.url, "apps/guestbook/overlays/dev",
        project="default", destination=f"{namespace}-b", automated=False,
    )  # fmt: skip
    kubectl.apply(yaml.safe_dump(team_b))
    before = kubectl.get(APPS, "-n", namespace, "team-b-api") or {}
    impostor = application_body(
        "team-b-api", namespace, repo.url, "payload", project="tenant", destination=tenant_namespace
    )
    repo.commit({"root/child.yaml": docs(impostor)})
    start_root(kubectl, namespace, repo, tenant_namespace)

    key = f"Application/{namespace}/team-b-api"
    message = wait_condition(kubectl, namespace, "root", "InvalidSpecError", key)
    assert message == (
        f"{key}: already exists and is not tracked by this application; an existing"
        " Application is never taken over"
    )
    after = kubectl.get(APPS, "-n", namespace, "team-b-api") or {}
    assert after["spec"] == before["spec"]
    assert tracking_marks(after) == {}


def wider_project(namespace: str, name: str) -> dict[str, Any]:
    body: dict[str, Any] = yaml.safe_load(
        project_manifest(
            name,
            namespace,
            destinations=[{"server": "*", "namespace": "*"}],
            clusterResourceWhitelist=[{"group": "*", "kind": "*"}],
        )
    )
    return body


def test_writing_a_new_wider_appproject_is_refused(
    kubectl: Kubectl,
    namespace: str,
    tenant_namespace: str,
    repo: BareRepo,
    ctl: RunningController,
) -> None:
    # With permittedChildProjects ["tenant-*"], a project "tenant-root" of the tenant's own
    # making would let its children anywhere: writing AppProjects needs the cluster-wide
    # whitelist, as a ClusterRole does.
    repo.commit({"root/project.yaml": docs(wider_project(namespace, "tenant-root"))})
    start_root(kubectl, namespace, repo, tenant_namespace, permittedChildProjects=["tenant-*"])

    key = f"AppProject/{namespace}/tenant-root"
    message = wait_condition(kubectl, namespace, "root", "InvalidSpecError", key)
    assert message == (
        f"{key}: resource gitopsd.io:AppProject is not permitted in project tenant"
        " (clusterResourceWhitelist)"
    )
    assert not exists(kubectl, "appprojects.gitopsd.io", namespace, "tenant-root")


def test_rewriting_its_own_appproject_is_refused(
    kubectl: Kubectl,
    namespace: str,
    tenant_namespace: str,
    repo: BareRepo,
    ctl: RunningController,
) -> None:
    # Even a tenant trusted to write AppProjects cannot take over an existing one.
    repo.commit({"root/project.yaml": docs(wider_project(namespace, "tenant"))})
    may_write_projects = [{"group": "gitopsd.io", "kind": "AppProject"}]
    start_root(
        kubectl, namespace, repo, tenant_namespace, clusterResourceWhitelist=may_write_projects
    )

    key = f"AppProject/{namespace}/tenant"
    message = wait_condition(kubectl, namespace, "root", "InvalidSpecError", key)
    assert message == (
        f"{key}: already exists and is not tracked by this application; an existing"
        " AppProject is never taken over"
    )
    live = kubectl.get("appprojects.gitopsd.io", "-n", namespace, "tenant") or {}
    assert live["spec"]["destinations"] == destinations(namespace, tenant_namespace)
    assert live["spec"]["clusterResourceWhitelist"] == may_write_projects
    assert tracking_marks(live) == {}


def test_an_applicationset_rendered_by_a_tenant_cannot_generate_into_another_project(
    kubectl: Kubectl,
    namespace: str,
    tenant_namespace: str,
    repo: BareRepo,
    ctl: RunningController,
) -> None:
    escalate = f"{namespace}-escalate"
    appset = {
        "apiVersion": GROUP_VERSION,
        "kind": "ApplicationSet",
        "metadata": {"name": "fleet", "namespace": namespace},
        "spec": {
            "generators": [{"list": {"elements": [{"team": "x"}]}}],
            "template": {
                "metadata": {"name": "fleet-{{team}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": repo.url, "targetRevision": "main", "path": "payload"},
                    "destination": {"server": IN_CLUSTER, "namespace": tenant_namespace},
                    "syncPolicy": {"automated": {"prune": True}},
                },
            },
        },
    }
    repo.commit(
        {"root/appset.yaml": docs(appset), "payload/role.yaml": docs(cluster_role(escalate))}
    )
    start_root(kubectl, namespace, repo, tenant_namespace)

    def refused() -> str:
        found = condition(status_of(kubectl, APPSETS, namespace, "fleet"), "ErrorOccurred")
        text = str(found.get("message") or "")
        return text if found.get("status") == "True" and "project default" in text else ""

    message = kubectl.wait_for(refused, timeout=90, what="fleet: ErrorOccurred naming the project")
    assert message == (
        f"ApplicationSet/{namespace}/fleet: rendered by Application/{namespace}/root:"
        f" Application/{namespace}/fleet-x: project default is not permitted for child"
        f" Applications of project tenant {RULE}"
    )
    # The ApplicationSet itself was the root's to write; what it would generate is not.
    assert tracking_marks(kubectl.get(APPSETS, "-n", namespace, "fleet"))
    assert not exists(kubectl, APPS, namespace, "fleet-x")
    assert not exists(kubectl, "clusterrole", None, escalate)
