"""Tenancy stories, end to end: an AppProject's rules are enforced before anything is
applied, and its sync windows hold automated syncs back, each with a condition saying
why. Each story has its own namespace, controller and AppProject."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.support.appsets import APPS, IN_CLUSTER, condition, exists, status_of
from tests.support.controller import RunningController
from tests.support.gitserver import BareRepo
from tests.support.kube import Kubectl
from tests.support.seed import application

DEPLOYMENT = "dev-guestbook"


pytestmark = pytest.mark.usefixtures("crds")


def project(name: str, namespace: str, **spec: Any) -> str:
    body = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"sourceRepos": ["*"], **spec},
    }
    return yaml.safe_dump(body, sort_keys=False)


def in_project(manifest: str, project_name: str) -> str:
    body = yaml.safe_load(manifest)
    body["spec"]["project"] = project_name
    return yaml.safe_dump(body, sort_keys=False)


def wait_condition(
    kubectl: Kubectl, namespace: str, app: str, condition_type: str, naming: str
) -> str:
    """The message of ``app``'s ``condition_type`` condition once it mentions ``naming``
    (until the controller has seen the AppProject it may say something else)."""

    def message() -> str:
        found = condition(status_of(kubectl, APPS, namespace, app), condition_type)
        text = str(found.get("message") or "")
        return text if naming in text else ""

    what = f"{app}: a {condition_type} condition naming {naming!r}"
    found: str = kubectl.wait_for(message, timeout=60, what=what)
    return found


def test_a_destination_outside_the_project_is_refused_before_apply(
    kubectl: Kubectl, namespace: str, repo: BareRepo, ctl: RunningController
) -> None:
    allowed = [{"server": IN_CLUSTER, "namespace": f"{namespace}-allowed-*"}]
    kubectl.apply(project("fenced", namespace, destinations=allowed))
    app = application("guestbook", namespace, repo.url, automated={"prune": True})
    kubectl.apply(in_project(app, "fenced"))

    rule = "project fenced (destinations)"
    message = wait_condition(kubectl, namespace, "guestbook", "InvalidSpecError", rule)
    assert f"destination {IN_CLUSTER}:{namespace} is not permitted" in message
    for kind in ("deployment", "service", "configmap"):
        assert not kubectl.json("get", kind, "-n", namespace, "-l", "gitopsd.io/app")["items"]


def test_a_cluster_scoped_object_outside_the_whitelist_is_refused_before_apply(
    kubectl: Kubectl, namespace: str, repo: BareRepo, ctl: RunningController
) -> None:
    role = f"{namespace}-reader"
    cluster_role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": role},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
    }
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}}
    repo.commit(
        {
            "apps/rbac/clusterrole.yaml": yaml.safe_dump(cluster_role),
            "apps/rbac/configmap.yaml": yaml.safe_dump(config),
        },
        "a ClusterRole",
    )
    destinations = [{"server": IN_CLUSTER, "namespace": namespace}]
    kubectl.apply(
        project("tenant", namespace, destinations=destinations, clusterResourceWhitelist=[])
    )
    app = application(
        "rbac", namespace, repo.url, path="apps/rbac", automated={"prune": True}, kustomize=False
    )
    kubectl.apply(in_project(app, "tenant"))

    rule = "project tenant (clusterResourceWhitelist)"
    message = wait_condition(kubectl, namespace, "rbac", "InvalidSpecError", rule)
    assert message.startswith(f"ClusterRole/{role}: ")
    assert not exists(kubectl, "clusterrole", None, role)
    assert not exists(kubectl, "configmap", namespace, "settings")


def test_a_deny_window_holds_back_automated_sync(
    kubectl: Kubectl, namespace: str, repo: BareRepo, ctl: RunningController
) -> None:
    window = {"kind": "deny", "schedule": "* * * * *", "duration": "1h", "applications": ["*"]}
    destinations = [{"server": IN_CLUSTER, "namespace": namespace}]
    kubectl.apply(project("frozen", namespace, destinations=destinations, syncWindows=[window]))
    app = application("guestbook", namespace, repo.url, automated={"prune": True})
    kubectl.apply(in_project(app, "frozen"))

    rule = "deny window '* * * * *' (1h)"
    message = wait_condition(kubectl, namespace, "guestbook", "SyncWindowBlocked", rule)
    assert message.startswith("sync blocked by")
    status = status_of(kubectl, APPS, namespace, "guestbook")
    assert status["sync"]["status"] == "OutOfSync"
    assert not status.get("operationState")
    assert not exists(kubectl, "deployment", namespace, DEPLOYMENT)
