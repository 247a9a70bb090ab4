"""Crash and fault safety, against the real control plane: a controller killed with
SIGKILL the moment it created the first hook runs that hook once (issue 10, point 8); a
sync whose status write the API server refuses is not lost (point 9); self-heal keeps
working while Git is unreachable (point 10); a failed pass is retried within seconds,
not on a fixed 30 s (point 11)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.controller import RunningController, controller, start_controller
from tests.support.gitserver import bare_repo
from tests.support.kube import Kubectl
from tests.support.stories import (
    app,
    app_manifest,
    conditions,
    configmap,
    data_of,
    first_object,
    phase,
    request_sync,
    status,
    sync_and_health,
)

pytestmark = pytest.mark.usefixtures("crds")


def presync_job(name: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": name, "annotations": {"argocd.argoproj.io/hook": "PreSync"}},
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


def jobs_by_name(kubectl: Kubectl, namespace: str) -> dict[str, dict[str, Any]]:
    return {
        job["metadata"]["name"]: job
        for job in kubectl.json("get", "jobs", "-n", namespace)["items"]
    }


def test_a_controller_killed_as_it_creates_the_first_hook_runs_that_hook_once(
    kubectl: Kubectl, namespace: str, tmp_path: Path, kubeconfig: str
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(
        {
            "web/migrate.yaml": presync_job("migrate"),
            "web/seed.yaml": presync_job("seed"),
            "web/cm.yaml": configmap("settings", {"a": "1"}),
        },
        "two PreSync hooks and a ConfigMap",
    )
    kubectl.apply(app_manifest("web", namespace, repo.url, "web"))
    first = start_controller(namespace, tmp_path / "ctl1", kubeconfig=kubeconfig)
    try:
        kubectl.wait_for(
            lambda: sync_and_health(kubectl, namespace, "web")[0] == "OutOfSync",
            timeout=60,
            what="the first comparison",
        )
        with first_object(kubectl, "jobs", namespace) as created:
            request_sync(kubectl, namespace, "web")
            created.get(timeout=60)
            first.kill()  # SIGKILL the moment the first hook exists
    finally:
        first.stop()
    hooks_at_kill = {
        job["metadata"]["name"]: job
        for job in kubectl.json("get", "jobs", "-n", namespace)["items"]
    }
    recorded = status(kubectl, namespace, "web").get("operationState") or {}
    assert recorded.get("phase") == "Running", "the operation was not recorded before its hooks"
    sync_id = f"{recorded['startedAt']}/{recorded['retryCount']}"
    for job in hooks_at_kill.values():
        assert job["metadata"]["annotations"]["gitopsd.io/sync-id"] == sync_id

    with controller(namespace, tmp_path / "ctl2", kubeconfig=kubeconfig):
        kubectl.wait_for(
            lambda: phase(kubectl, namespace, "web") == "Succeeded",
            timeout=120,
            what="the restarted controller to finish the operation",
        )
    jobs = {
        job["metadata"]["name"]: job
        for job in kubectl.json("get", "jobs", "-n", namespace)["items"]
    }
    assert sorted(jobs) == ["migrate", "seed"]
    for name, job in hooks_at_kill.items():  # adopted, not deleted and run again
        assert jobs[name]["metadata"]["uid"] == job["metadata"]["uid"]
    assert len(status(kubectl, namespace, "web")["history"]) == 1


def refuse_status_writes(namespace: str) -> str:
    """A ValidatingAdmissionPolicy refusing every write of Application status in one
    namespace (the binding matches only it)."""
    name = f"refuse-status-{namespace}"
    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {
                "resourceRules": [
                    {
                        "apiGroups": ["gitopsd.io"],
                        "apiVersions": ["*"],
                        "operations": ["UPDATE"],
                        "resources": ["applications/status"],
                    }
                ]
            },
            "validations": [{"expression": "false", "message": "status writes refused"}],
        },
    }
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name},
        "spec": {
            "policyName": name,
            "validationActions": ["Deny"],
            "matchResources": {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}
            },
        },
    }
    return yaml.safe_dump_all([policy, binding])


def status_write_refused(kubectl: Kubectl, namespace: str) -> bool:
    """Whether the API server refuses a (dry-run) status write on the Application now."""
    probe = kubectl.result(
        "patch", "application.gitopsd.io", "-n", namespace, "web", "--subresource=status",
        "--type=merge", "--dry-run=server",
        "-p", json.dumps({"status": {"reconciledAt": "2026-01-01T00:00:00Z"}}),
    )  # fmt: skip
    return probe.returncode != 0 and "status writes refused" in probe.stderr


def test_a_sync_whose_status_write_is_refused_is_kept_until_it_can_be_recorded(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit({"web/cm.yaml": configmap("settings", {"a": "1"})}, "one ConfigMap")
    kubectl.apply(app_manifest("web", namespace, repo.url, "web"))
    kubectl.wait_for(
        lambda: sync_and_health(kubectl, namespace, "web")[0] == "OutOfSync",
        timeout=60,
        what="the first comparison",
    )
    policy = refuse_status_writes(namespace)
    kubectl.apply(policy)
    try:
        kubectl.wait_for(
            lambda: status_write_refused(kubectl, namespace), timeout=60, what="the policy"
        )
        refusals = ctl.log().count("status update failed")
        request_sync(kubectl, namespace, "web")
        kubectl.wait_for(
            lambda: ctl.log().count("status update failed") > refusals,
            timeout=60,
            what="the controller to meet the refusal",
        )
        assert app(kubectl, namespace, "web").get("operation") is not None  # not lost
        assert data_of(kubectl, namespace, "settings") is None  # nothing done unrecorded
    finally:
        kubectl.run("delete", "-f", "-", "--ignore-not-found", stdin=policy)
    kubectl.wait_for(
        lambda: phase(kubectl, namespace, "web") == "Succeeded",
        timeout=120,
        what="the kept request to sync once status can be written",
    )
    assert data_of(kubectl, namespace, "settings") == {"a": "1"}
    assert app(kubectl, namespace, "web").get("operation") is None
    assert len(status(kubectl, namespace, "web")["history"]) == 1


def test_self_heal_keeps_working_while_git_is_unreachable(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit({"web/cm.yaml": configmap("settings", {"a": "1"})}, "one ConfigMap")
    kubectl.apply(app_manifest("web", namespace, repo.url, "web", automated={"selfHeal": True}))
    kubectl.wait_for(
        lambda: sync_and_health(kubectl, namespace, "web") == ("Synced", "Healthy"),
        timeout=90,
        what="the first sync",
    )
    away = repo.path.with_name(repo.path.name + ".away")
    repo.path.rename(away)  # the remote is gone: every fetch and ls-remote fails
    try:
        kubectl.wait_for(
            lambda: (
                "Git is unreachable"
                in conditions(kubectl, namespace, "web").get("RepositoryUnreachableWarning", "")
            ),
            timeout=60,
            what="status to say Git is unreachable",
        )
        kubectl.run(
            "patch", "configmap", "settings", "-n", namespace, "--type=merge",
            "-p", json.dumps({"data": {"a": "edited by hand"}}),
        )  # fmt: skip
        kubectl.wait_for(
            lambda: data_of(kubectl, namespace, "settings") == {"a": "1"},
            timeout=60,
            what="the manual edit healed from the last known revision",
        )
        assert sync_and_health(kubectl, namespace, "web")[0] == "Synced"
    finally:
        away.rename(repo.path)
    kubectl.wait_for(
        lambda: "RepositoryUnreachableWarning" not in conditions(kubectl, namespace, "web"),
        timeout=60,
        what="the warning to clear once Git is back",
    )


def test_a_failed_pass_is_retried_within_seconds(
    kubectl: Kubectl, namespace: str, tmp_path: Path, kubeconfig: str
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit({"web/cm.yaml": configmap("settings", {"a": "1"})}, "good")
    # A long interval: only the failure back-off can bring the fix in quickly.
    with controller(namespace, tmp_path / "ctl", kubeconfig=kubeconfig):
        kubectl.apply(app_manifest("web", namespace, repo.url, "web", automated={}))
        kubectl.wait_for(
            lambda: sync_and_health(kubectl, namespace, "web") == ("Synced", "Healthy"),
            timeout=90,
            what="the first sync",
        )
        repo.commit({"web/cm.yaml": "kind: ConfigMap\nmetadata: [oops\n"}, "broken")
        kubectl.run(
            "annotate", "application.gitopsd.io", "-n", namespace, "web",
            "gitopsd.io/refresh=normal",
        )  # fmt: skip
        kubectl.wait_for(
            lambda: "ComparisonError" in conditions(kubectl, namespace, "web"),
            timeout=60,
            what="the broken commit to fail",
        )
        repo.commit({"web/cm.yaml": configmap("settings", {"a": "2"})}, "fixed")
        fixed_at = time.monotonic()
        kubectl.wait_for(
            lambda: data_of(kubectl, namespace, "settings") == {"a": "2"},
            timeout=60,
            what="the fix deployed",
        )
        took = time.monotonic() - fixed_at
    assert took < 22, f"the fix took {took:.1f}s to be picked up after a failed pass"
