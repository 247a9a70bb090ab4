"""Deletion always completes, against the real control plane (issue 10, point 6): an
Application with the resources finalizer is deleted, with its resources, even when its
spec became invalid or its project is gone; with its destination cluster gone the
finalizer is dropped with an event; an Application that never deployed needs no cleanup;
cascade deletion removes its completed hooks, so a later app may use the same names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.cluster.kubeconfig import read_context
from tests.support.cli import gitopsd
from tests.support.cluster2 import cluster_secret
from tests.support.controller import RunningController
from tests.support.gitserver import bare_repo
from tests.support.kube import Kubectl
from tests.support.stories import (
    app,
    app_manifest,
    configmap,
    data_of,
    events,
    phase,
    sync_and_health,
)

pytestmark = pytest.mark.usefixtures("crds")


def wait_synced(kubectl: Kubectl, namespace: str, name: str) -> None:
    kubectl.wait_for(
        lambda: sync_and_health(kubectl, namespace, name) == ("Synced", "Healthy"),
        timeout=120,
        what=f"{name} Synced and Healthy",
    )


def delete_and_wait_gone(kubectl: Kubectl, namespace: str, name: str) -> None:
    kubectl.run("delete", "application.gitopsd.io", "-n", namespace, name, "--wait=false")
    kubectl.wait_for(
        lambda: not app(kubectl, namespace, name),
        timeout=90,
        what=f"{name} deleted (its finalizer released)",
    )


def test_an_app_whose_spec_became_invalid_is_still_deleted_with_its_resources(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit({"web/cm.yaml": configmap("settings", {"a": "1"})}, "one")
    kubectl.apply(app_manifest("web", namespace, repo.url, "web", automated={}, finalizer=True))
    wait_synced(kubectl, namespace, "web")
    source = app(kubectl, namespace, "web")["spec"]["source"]
    kubectl.run(
        "patch", "application.gitopsd.io", "-n", namespace, "web", "--type=merge",
        "-p", json.dumps({"spec": {"sources": [source]}}),  # source and sources: invalid
    )  # fmt: skip
    kubectl.wait_for(
        lambda: sync_and_health(kubectl, namespace, "web")[0] == "Unknown",
        timeout=60,
        what="the invalid spec reported",
    )
    delete_and_wait_gone(kubectl, namespace, "web")
    assert data_of(kubectl, namespace, "settings") is None


def test_an_app_whose_project_is_gone_is_still_deleted_with_its_resources(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    project = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "team", "namespace": namespace},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [{"server": "*", "namespace": "*"}],
            "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
        },
    }
    kubectl.apply(yaml.safe_dump(project))
    repo = bare_repo(tmp_path)
    repo.commit({"web/cm.yaml": configmap("settings", {"a": "1"})}, "one")
    body = yaml.safe_load(
        app_manifest("web", namespace, repo.url, "web", automated={}, finalizer=True)
    )
    body["spec"]["project"] = "team"
    kubectl.apply(yaml.safe_dump(body))
    wait_synced(kubectl, namespace, "web")
    kubectl.run("delete", "appproject.gitopsd.io", "-n", namespace, "team")
    delete_and_wait_gone(kubectl, namespace, "web")
    assert data_of(kubectl, namespace, "settings") is None


def hub_as_another_cluster(kubeconfig: str, namespace: str) -> tuple[str, str]:
    """A cluster Secret registering the test cluster again under another URL (localhost
    instead of 127.0.0.1), so it counts as a registered cluster that can be removed."""
    context = read_context(kubeconfig)
    server = context.server.replace("127.0.0.1", "localhost")
    tls = {"caData": context.ca_data, "certData": context.cert_data, "keyData": context.key_data}
    config: dict[str, Any] = {"tlsClientConfig": tls}
    return server, cluster_secret(namespace, cluster_name="spoke", server=server, config=config)


def test_with_its_cluster_gone_an_app_is_released_with_an_event(
    kubectl: Kubectl, namespace: str, tmp_path: Path, kubeconfig: str, ctl: RunningController
) -> None:
    server, secret = hub_as_another_cluster(kubeconfig, namespace)
    kubectl.apply(secret)
    repo = bare_repo(tmp_path)
    repo.commit({"web/cm.yaml": configmap("settings", {"a": "1"})}, "one")
    body = yaml.safe_load(
        app_manifest("web", namespace, repo.url, "web", automated={}, finalizer=True)
    )
    body["spec"]["destination"]["server"] = server
    kubectl.apply(yaml.safe_dump(body))
    wait_synced(kubectl, namespace, "web")
    kubectl.run("delete", "secret", "-n", namespace, "cluster-spoke")
    delete_and_wait_gone(kubectl, namespace, "web")
    skipped = events(kubectl, namespace, "DeletionSkipped")
    assert skipped and "is not registered any more" in skipped[0]
    assert "1 resources were left in place" in skipped[0]
    assert data_of(kubectl, namespace, "settings") == {"a": "1"}  # left, as the event says


def test_an_app_that_never_deployed_is_deleted_at_once(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit({"web/cm.yaml": configmap("settings", {"a": "1"})}, "one")
    body = yaml.safe_load(app_manifest("web", namespace, repo.url, "web", finalizer=True))
    body["spec"]["destination"]["server"] = "https://nowhere.example.com"
    kubectl.apply(yaml.safe_dump(body))
    kubectl.wait_for(
        lambda: sync_and_health(kubectl, namespace, "web")[0] == "Unknown",
        timeout=60,
        what="the unknown cluster reported",
    )
    delete_and_wait_gone(kubectl, namespace, "web")


def hook_job(name: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": name, "annotations": {"argocd.argoproj.io/hook": "PostSync"}},
            "spec": {
                "backoffLimit": 0,
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "job", "image": "busybox"}],
                    }
                },
            },
        }
    )


def test_cascade_deletion_removes_completed_hooks_so_their_names_are_free(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(
        {"web/smoke.yaml": hook_job("smoke"), "web/cm.yaml": configmap("settings", {"a": "1"})},
        "a PostSync hook",
    )
    kubectl.apply(app_manifest("first", namespace, repo.url, "web", finalizer=True))
    common = ("--kubeconfig", kubeconfig, "-n", namespace)
    code, out, err = gitopsd(capsys, "app", "sync", "first", *common, "--timeout", "120")
    assert code == 0, out + err
    assert kubectl.get("job", "-n", namespace, "smoke") is not None
    code, out, err = gitopsd(capsys, "app", "delete", "first", *common, "--wait", "--timeout", "90")
    assert code == 0, out + err
    kubectl.wait_for(
        lambda: kubectl.get("job", "-n", namespace, "smoke") is None,
        timeout=60,
        what="the completed hook deleted with its application",
    )

    kubectl.apply(app_manifest("second", namespace, repo.url, "web"))
    code, out, err = gitopsd(capsys, "app", "sync", "second", *common, "--timeout", "120")
    assert code == 0, out + err
    assert phase(kubectl, namespace, "second") == "Succeeded"
