"""``gitopsd app ...`` and ``gitopsd cluster ...`` against a real cluster and controller.

The story of a manually synced Application: it stays OutOfSync until ``app sync``; ``app
diff`` says so; history records each sync; ``app rollback`` brings back the first commit;
rollback is refused once automated sync is on; ``app wait`` and ``app delete --cascade
--wait`` finish the story. Then ``cluster add``/``list``/``rm`` register the test cluster
itself. Every command runs through ``gitopsd.cli.main.main``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.support.cli import gitopsd
from tests.support.controller import RunningController, controller
from tests.support.crds import install_crds
from tests.support.gitserver import BareRepo, bare_repo
from tests.support.kube import Kubectl

APP = "web"


def configmap(namespace: str, colour: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "web-settings", "namespace": namespace},
            "data": {"colour": colour},
        }
    )


def application(namespace: str, repo: BareRepo) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "gitopsd.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": APP, "namespace": namespace},
            "spec": {
                "project": "default",
                "source": {"repoURL": repo.url, "targetRevision": "main", "path": "web"},
                "destination": {
                    "server": "https://kubernetes.default.svc",
                    "namespace": namespace,
                },
            },
        }
    )


@pytest.fixture(scope="module", autouse=True)
def crds(kubectl: Kubectl) -> None:
    install_crds(kubectl)


@pytest.fixture
def running(namespace: str, tmp_path: Path, kubeconfig: str) -> Iterator[RunningController]:
    # The controller shares ls-remote answers for a few seconds and then only looks again
    # on its interval: a short one lets automated sync see a new commit within the story.
    with controller(
        namespace, tmp_path / "ctl", kubeconfig=kubeconfig, reconcile_interval="3s"
    ) as ctl:
        yield ctl


def colour(kubectl: Kubectl, namespace: str) -> str | None:
    live = kubectl.get("-n", namespace, "configmap", "web-settings")
    return None if live is None else str(live["data"]["colour"])


def test_manual_sync_history_rollback_and_delete(
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    kubectl: Kubectl,
    running: RunningController,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = bare_repo(tmp_path)
    first = repo.commit({"web/settings.yaml": configmap(namespace, "blue")}, "blue settings")
    kubectl.apply(application(namespace, repo))
    common = ("--kubeconfig", kubeconfig, "-n", namespace)

    # Without an automated policy the controller only compares: OutOfSync, nothing applied.
    kubectl.wait_for(
        lambda: gitopsd(capsys, "app", "get", APP, *common, "-o", "json")[1].count("OutOfSync"),
        timeout=60,
        what="the Application to be compared OutOfSync",
    )
    assert colour(kubectl, namespace) is None
    code, out, _ = gitopsd(capsys, "app", "list", *common)
    assert code == 0
    assert out.splitlines()[0].split() == [
        "NAME", "PROJECT", "SYNC", "HEALTH", "REVISION", "DESTINATION", "AGE",
    ]  # fmt: skip
    assert out.splitlines()[1].split()[:5] == [APP, "default", "OutOfSync", "Missing", first[:7]]

    code, out, _ = gitopsd(capsys, "app", "diff", APP, *common)
    assert code == 1, out
    assert f"ConfigMap/{namespace}/web-settings: missing from the cluster" in out

    # app sync writes the operation, follows it and leaves the app Synced.
    code, out, err = gitopsd(capsys, "app", "sync", APP, *common, "--timeout", "120")
    assert code == 0, out + err
    assert "Succeeded" in out
    assert f"ConfigMap/{namespace}/web-settings: created" in out
    assert colour(kubectl, namespace) == "blue"
    code, out, _ = gitopsd(capsys, "app", "wait", APP, *common, "--sync", "--timeout", "60")
    assert code == 0, out
    code, out, _ = gitopsd(capsys, "app", "diff", APP, *common)
    assert (code, out) == (0, "")

    code, out, _ = gitopsd(capsys, "app", "history", APP, *common)
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["ID", "DATE", "REVISION", "AUTHOR", "MESSAGE", "INITIATOR"]
    assert rows[1][0] == "0" and rows[1][2] == first[:7]
    assert "blue settings" in out

    # A second commit and sync; then roll back to history entry 0.
    second = repo.commit({"web/settings.yaml": configmap(namespace, "green")}, "go green")
    code, out, err = gitopsd(capsys, "app", "sync", APP, *common, "--revision", second)
    assert code == 0, out + err
    assert colour(kubectl, namespace) == "green"
    code, out, err = gitopsd(capsys, "app", "rollback", APP, "0", *common)
    assert code == 0, out + err
    assert colour(kubectl, namespace) == "blue"
    history = json.loads(gitopsd(capsys, "app", "history", APP, *common, "-o", "json")[1])
    assert [entry["revision"] for entry in history] == [first, second, first]

    # Rollback is refused while automated sync would undo it at once.
    code, out, _ = gitopsd(
        capsys, "app", "set", APP, *common, "--sync-policy", "automated", "--self-heal"
    )
    assert code == 0
    assert '"selfHeal": true' in out
    code, out, err = gitopsd(capsys, "app", "rollback", APP, *common)
    assert code == 1
    assert "rollback cannot be initiated when auto-sync is enabled" in err
    kubectl.wait_for(
        lambda: colour(kubectl, namespace) == "green",
        timeout=60,
        what="automated sync to bring back main's head",
    )
    code, out, err = gitopsd(
        capsys, "app", "wait", APP, *common, "--sync", "--health", "--timeout", "120"
    )
    assert code == 0, out + err
    assert out.strip() == f"Application/{namespace}/{APP}: Synced, Healthy"

    code, out, err = gitopsd(
        capsys, "app", "delete", APP, *common, "--cascade", "--wait", "--timeout", "120"
    )
    assert code == 0, out + err
    assert kubectl.get("-n", namespace, "application", APP) is None
    assert colour(kubectl, namespace) is None


def test_wait_times_out_with_what_it_waited_for(
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    kubectl: Kubectl,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # No controller runs for this namespace: the Application never becomes Synced.
    kubectl.apply(application(namespace, bare_repo(tmp_path)))
    code, _, err = gitopsd(
        capsys, "app", "wait", APP, "--kubeconfig", kubeconfig, "-n", namespace,
        "--sync", "--timeout", "1",
    )  # fmt: skip
    assert code == 3
    assert "waiting for sync Synced (now Unknown)" in err


def test_cluster_add_list_and_rm(
    namespace: str, kubeconfig: str, kubectl: Kubectl, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ("--kubeconfig", kubeconfig, "-n", namespace)
    context = kubectl.run("config", "current-context").strip()
    code, out, err = gitopsd(capsys, "cluster", "add", context, "--name", "Spoke One", *common)
    assert code == 0, err
    secret = kubectl.get("-n", namespace, "secret", "cluster-spoke-one")
    assert secret is not None
    assert secret["metadata"]["labels"] == {"gitopsd.io/secret-type": "cluster"}
    assert sorted(secret["data"]) == ["config", "name", "server"]
    config = json.loads(base64.b64decode(secret["data"]["config"]))
    assert sorted(config["tlsClientConfig"]) == ["caData", "certData", "insecure", "keyData"]
    assert config["tlsClientConfig"]["keyData"] not in out + err

    code, out, _ = gitopsd(capsys, "cluster", "list", *common)
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["NAME", "SERVER", "CONNECTION", "VERSION"]
    assert rows[1][:3] == ["in-cluster", "https://kubernetes.default.svc", "Successful"]
    assert out.splitlines()[2].startswith("Spoke One")
    assert "Successful" in out.splitlines()[2]

    code, out, _ = gitopsd(capsys, "cluster", "rm", "Spoke One", *common)
    assert code == 0
    assert kubectl.get("-n", namespace, "secret", "cluster-spoke-one") is None
