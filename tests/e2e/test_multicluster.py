"""Several clusters, end to end: the hub (where gitopsd and the Applications live, labelled
through an in-cluster Secret) and a spoke (a second control plane registered by cluster
Secret). A clusters-by-Git directories ApplicationSet deploys every app to both; drift on
the spoke is healed by the watcher the controller starts for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.appsets import (
    app_template,
    appset_manifest,
    delete_namespaces,
    exists,
    names,
    owned_applications,
    wait_synced_healthy,
)
from tests.support.cluster2 import SpokeCluster, hub_secret, second_cluster
from tests.support.controller import RunningController
from tests.support.gitserver import BareRepo
from tests.support.kube import Kubectl

FLEET_LABEL = "fleet.example.com/tier"


pytestmark = pytest.mark.usefixtures("crds")


@pytest.fixture(scope="session")
def spoke() -> Iterator[SpokeCluster]:
    """One second control plane for every multi-cluster story, stopped at the end."""
    with second_cluster() as cluster:
        yield cluster


def fleet_appset(namespace: str, repo: BareRepo) -> str:
    """Every production overlay on every cluster labelled ``tier=workload``."""
    template = app_template(
        "{{name}}-{{path[1]}}",
        repo.url,
        "{{path}}",
        f"{namespace}-{{{{path[1]}}}}",
        server="{{server}}",
    )
    clusters = {"clusters": {"selector": {"matchLabels": {FLEET_LABEL: "workload"}}}}
    git = {
        "git": {
            "repoURL": repo.url,
            "revision": "main",
            "directories": [{"path": "apps/*/overlays/production"}],
        }
    }
    generators: list[dict[str, Any]] = [{"matrix": {"generators": [clusters, git]}}]
    return appset_manifest("fleet", namespace, generators, template)


def test_clusters_by_git_directories_deploy_to_hub_and_spoke_and_heal_the_spoke(
    kubectl: Kubectl,
    namespace: str,
    repo: BareRepo,
    spoke: SpokeCluster,
    ctl: RunningController,
) -> None:
    targets = [f"{namespace}-guestbook", f"{namespace}-podinfo"]
    try:
        labels = {FLEET_LABEL: "workload"}
        kubectl.apply(hub_secret(namespace, cluster_name="hub", labels=labels))
        spoke.register(kubectl, namespace, cluster_name="spoke", labels=labels)
        # A registered cluster the selector does not match gets nothing.
        spoke.register(kubectl, namespace, cluster_name="staging", labels={FLEET_LABEL: "test"})
        kubectl.apply(fleet_appset(namespace, repo))

        expected = ["hub-guestbook", "hub-podinfo", "spoke-guestbook", "spoke-podinfo"]
        kubectl.wait_for(
            lambda: names(owned_applications(kubectl, namespace, "fleet")) == expected,
            timeout=60,
            what=f"Applications {expected}",
        )
        for app in expected:
            wait_synced_healthy(kubectl, namespace, app, timeout=120)
        for target in targets:
            app = target.removeprefix(f"{namespace}-")
            assert exists(kubectl, "deployment", target, f"production-{app}")
            assert exists(spoke.kubectl, "deployment", target, f"production-{app}")
        spoke_app = kubectl.get("applications.gitopsd.io", "-n", namespace, "spoke-guestbook")
        assert (spoke_app or {})["spec"]["destination"]["server"] == spoke.server

        # Self-heal across clusters: a Deployment deleted on the spoke comes back.
        target = f"{namespace}-guestbook"
        before = (spoke.kubectl.get("deployment", "-n", target, "production-guestbook") or {})[
            "metadata"
        ]["uid"]
        spoke.kubectl.run("delete", "deployment", "-n", target, "production-guestbook")

        def recreated() -> bool:
            live = spoke.kubectl.get("deployment", "-n", target, "production-guestbook")
            return live is not None and live["metadata"]["uid"] != before

        kubectl.wait_for(recreated, timeout=30, what="the spoke's Deployment recreated")
        wait_synced_healthy(kubectl, namespace, "spoke-guestbook")
    finally:
        kubectl.run("delete", "applicationsets.gitopsd.io", "-n", namespace, "--all")
        delete_namespaces(spoke.kubectl, targets)
        delete_namespaces(kubectl, targets)
