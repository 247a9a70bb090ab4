"""Syncs that do what was asked and operations that always end, against the real control
plane: a plain sync deploys what Git says now (issue 10, point 1); a sync waiting for a
kind the cluster does not serve fails with the reason, a stuck operation times out,
``app terminate-op`` ends an operation waiting for a retry, and ``app sync`` of an app
that cannot render fails at once without leaving a request behind (point 4)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from tests.support.cli import gitopsd
from tests.support.controller import RunningController, controller
from tests.support.gitserver import bare_repo
from tests.support.kube import Kubectl
from tests.support.stories import (
    app,
    app_manifest,
    configmap,
    data_of,
    phase,
    status,
)

pytestmark = pytest.mark.usefixtures("crds")


def test_a_plain_sync_after_a_pinned_one_deploys_what_git_says_now(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = bare_repo(tmp_path)
    old = repo.commit({"web/cm.yaml": configmap("colour", {"value": "blue"})}, "blue")
    kubectl.apply(app_manifest("web", namespace, repo.url, "web"))
    common = ("--kubeconfig", kubeconfig, "-n", namespace, "--timeout", "120")

    code, out, err = gitopsd(capsys, "app", "sync", "web", *common, "--revision", old)
    assert code == 0, out + err
    assert data_of(kubectl, namespace, "colour") == {"value": "blue"}

    new = repo.commit({"web/cm.yaml": configmap("colour", {"value": "green"})}, "green")
    code, out, err = gitopsd(capsys, "app", "sync", "web", *common)
    assert code == 0, out + err
    state = status(kubectl, namespace, "web")["operationState"]
    assert "revision" not in state["operation"]["sync"]  # nothing of the pinned sync kept
    assert state["syncResult"]["revision"] == new
    assert data_of(kubectl, namespace, "colour") == {"value": "green"}
    history = status(kubectl, namespace, "web")["history"]
    assert [h["revision"] for h in history] == [old, new]


def test_a_manual_sync_after_automated_ones_records_who_asked(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = bare_repo(tmp_path)
    first = repo.commit({"web/cm.yaml": configmap("colour", {"value": "blue"})}, "blue")
    kubectl.apply(app_manifest("web", namespace, repo.url, "web", automated={}))
    kubectl.wait_for(
        lambda: phase(kubectl, namespace, "web") == "Succeeded",
        timeout=90,
        what="the automated sync",
    )
    automated = status(kubectl, namespace, "web")["operationState"]
    assert automated["operation"]["initiatedBy"] == {"automated": True}
    assert automated["syncResult"]["revision"] == first
    common = ("--kubeconfig", kubeconfig, "-n", namespace)
    code, _, err = gitopsd(capsys, "app", "set", "web", *common, "--sync-policy", "none")
    assert code == 0, err

    second = repo.commit({"web/cm.yaml": configmap("colour", {"value": "green"})}, "green")
    code, out, err = gitopsd(capsys, "app", "sync", "web", *common, "--timeout", "120")
    assert code == 0, out + err
    state = status(kubectl, namespace, "web")["operationState"]
    assert set(state["operation"]["initiatedBy"]) == {"username"}
    assert state["syncResult"]["revision"] == second
    last = status(kubectl, namespace, "web")["history"][-1]
    assert last["revision"] == second
    assert "automated" not in last["initiatedBy"]
    assert data_of(kubectl, namespace, "colour") == {"value": "green"}


def test_a_kind_the_cluster_does_not_serve_fails_the_sync_and_a_fix_syncs(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A kind of a group no test installs (other stories install Argo Rollouts' CRD into the
    # shared cluster).
    rollout = {
        "apiVersion": "unserved.gitopsd.test/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {"replicas": 1},
    }
    repo = bare_repo(tmp_path)
    repo.commit(
        {
            "web/rollout.yaml": yaml.safe_dump(rollout),
            "web/cm.yaml": configmap("settings", {"a": "1"}),
        },
        "a Rollout without its CRD",
    )
    kubectl.apply(app_manifest("web", namespace, repo.url, "web"))
    common = ("--kubeconfig", kubeconfig, "-n", namespace)
    code, out, err = gitopsd(capsys, "app", "sync", "web", *common, "--timeout", "90")
    assert code == 1, out + err  # failed, not timed out (3)
    state = status(kubectl, namespace, "web")["operationState"]
    assert state["phase"] == "Failed"
    assert "kind Rollout.unserved.gitopsd.test is not served" in state["message"]

    fixed = repo.commit({"web/rollout.yaml": None}, "drop the Rollout")
    code, out, err = gitopsd(capsys, "app", "sync", "web", *common, "--timeout", "90")
    assert code == 0, out + err
    assert status(kubectl, namespace, "web")["operationState"]["syncResult"]["revision"] == fixed


def stuck_hook() -> str:
    """A PreSync hook that never becomes healthy: a claim no volume will ever bind."""
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "stuck", "annotations": {"argocd.argoproj.io/hook": "PreSync"}},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "none-such",
                "resources": {"requests": {"storage": "1Gi"}},
            },
        }
    )


def test_an_operation_that_cannot_progress_times_out(
    kubectl: Kubectl, namespace: str, tmp_path: Path, kubeconfig: str
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(
        {"web/hook.yaml": stuck_hook(), "web/cm.yaml": configmap("settings", {"a": "1"})},
        "a hook that never finishes",
    )
    with controller(
        namespace,
        tmp_path / "ctl",
        kubeconfig=kubeconfig,
        extra_args=("--operation-timeout", "8s"),
    ):
        kubectl.apply(app_manifest("web", namespace, repo.url, "web", automated={}))
        kubectl.wait_for(
            lambda: phase(kubectl, namespace, "web") == "Failed",
            timeout=90,
            what="the operation to time out",
        )
    state = status(kubectl, namespace, "web")["operationState"]
    assert state["message"].startswith("operation timed out after 8s")
    assert kubectl.get("configmap", "-n", namespace, "settings") is None  # never got there
    claim = kubectl.get("pvc", "-n", namespace, "stuck")
    assert claim is None or claim["metadata"].get("deletionTimestamp")  # the hook was stopped


def test_terminate_op_ends_a_sync_waiting_for_its_retry(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
) -> None:
    elsewhere = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "later", "namespace": f"{namespace}-missing"},
            "data": {"a": "b"},
        }
    )
    repo = bare_repo(tmp_path)
    repo.commit({"web/cm.yaml": elsewhere}, "into a namespace that does not exist")
    body = yaml.safe_load(app_manifest("web", namespace, repo.url, "web"))
    body["spec"]["syncPolicy"]["retry"] = {"limit": 5, "backoff": {"duration": "5m"}}
    kubectl.apply(yaml.safe_dump(body))
    common = ("--kubeconfig", kubeconfig, "-n", namespace)
    code, _, err = gitopsd(capsys, "app", "sync", "web", *common, "--async")
    assert code == 0, err

    def waiting() -> bool:
        state = status(kubectl, namespace, "web").get("operationState") or {}
        return state.get("phase") == "Running" and bool(state.get("nextRetryAt"))

    kubectl.wait_for(waiting, timeout=90, what="the sync to wait for its retry")
    code, out, err = gitopsd(capsys, "app", "terminate-op", "web", *common, "--timeout", "60")
    assert code == 0, out + err
    assert "Failed: operation terminated" in out
    assert status(kubectl, namespace, "web")["operationState"]["phase"] == "Failed"
    code, _, err = gitopsd(capsys, "app", "terminate-op", "web", *common)
    assert code == 1
    assert "no operation is requested or running" in err


def test_app_sync_of_an_app_that_cannot_render_fails_at_once_and_leaves_no_request(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(
        {"web/kustomization.yaml": "resources:\n  - missing.yaml\n"}, "a kustomization that fails"
    )
    kubectl.apply(app_manifest("web", namespace, repo.url, "web"))
    common = ("--kubeconfig", kubeconfig, "-n", namespace)
    started = time.monotonic()
    code, out, err = gitopsd(capsys, "app", "sync", "web", *common, "--timeout", "120")
    assert code == 1, out + err  # Error, not a timeout
    assert time.monotonic() - started < 60
    assert "Error:" in out and "missing.yaml" in out
    assert app(kubectl, namespace, "web").get("operation") is None

    repo.commit(
        {
            "web/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "web/cm.yaml": configmap("settings", {"a": "1"}),
        },
        "fix it",
    )
    code, out, err = gitopsd(capsys, "app", "sync", "web", *common, "--timeout", "120")
    assert code == 0, out + err
    assert data_of(kubectl, namespace, "settings") == {"a": "1"}
    assert status(kubectl, namespace, "web")["operationState"]["phase"] == "Succeeded"
