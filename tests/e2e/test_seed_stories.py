"""The seed stories, end to end: a real controller process, a real Git repository and the
real control plane. Each story has its own namespace and its own controller."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support.controller import RunningController, controller
from tests.support.gitserver import BareRepo
from tests.support.kube import Kubectl
from tests.support.seed import application

DEPLOYMENT = "dev-guestbook"
OVERLAY = "apps/guestbook/overlays/dev/kustomization.yaml"


pytestmark = pytest.mark.usefixtures("crds")


def app_status(kubectl: Kubectl, namespace: str, name: str) -> dict[str, Any]:
    app = kubectl.get("applications.gitopsd.io", "-n", namespace, name) or {}
    status: dict[str, Any] = app.get("status") or {}
    return status


def wait_synced_healthy(kubectl: Kubectl, namespace: str, name: str, timeout: float = 60) -> None:
    def ready() -> bool:
        status = app_status(kubectl, namespace, name)
        return (status.get("sync") or {}).get("status") == "Synced" and (
            status.get("health") or {}
        ).get("status") == "Healthy"

    kubectl.wait_for(ready, timeout=timeout, what=f"{name} Synced and Healthy")


def image_of(kubectl: Kubectl, namespace: str) -> str:
    deploy = kubectl.get("deployment", "-n", namespace, DEPLOYMENT) or {}
    containers = (((deploy.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
        "containers"
    ) or [{}]
    return str(containers[0].get("image", ""))


def overlay_with_tag(repo: BareRepo, tag: str) -> str:
    text = (repo.work / OVERLAY).read_text()
    lines = [
        f"    newTag: {tag}" if line.strip().startswith("newTag:") else line
        for line in text.splitlines()
    ]
    return "\n".join(lines) + "\n"


def events(kubectl: Kubectl, namespace: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = kubectl.json("get", "events", "-n", namespace)["items"]
    return items


def test_automated_app_syncs_and_heals_deletes_and_edits(
    kubectl: Kubectl, namespace: str, repo: BareRepo, ctl: RunningController
) -> None:
    kubectl.apply(
        application("guestbook", namespace, repo.url, automated={"prune": True, "selfHeal": True})
    )
    wait_synced_healthy(kubectl, namespace, "guestbook")
    status = app_status(kubectl, namespace, "guestbook")
    assert status["sync"]["revision"] == repo.head()
    assert status["history"][0]["revision"] == repo.head()
    kinds = sorted(r["kind"] for r in status["resources"])
    assert kinds == ["ConfigMap", "Deployment", "Service"]

    # Story 2: a deleted Deployment is back within seconds.
    kubectl.run("delete", "deployment", "-n", namespace, DEPLOYMENT, "--wait=false")
    started = time.monotonic()
    kubectl.wait_for(
        lambda: (
            (kubectl.get("deployment", "-n", namespace, DEPLOYMENT) or {})
            .get("metadata", {})
            .get("deletionTimestamp")
            is None
            and kubectl.get("deployment", "-n", namespace, DEPLOYMENT) is not None
        ),
        timeout=30,
        what="the deleted Deployment to be recreated",
    )
    assert time.monotonic() - started < 30

    # Story 3: kubectl scale is reverted, and the event names the manager. First let the
    # healing of the delete finish, so the scale is new drift rather than something that
    # operation's next pass overwrites.
    wait_synced_healthy(kubectl, namespace, "guestbook")
    kubectl.wait_for(
        lambda: (
            (app_status(kubectl, namespace, "guestbook").get("operationState") or {}).get("phase")
            == "Succeeded"
        ),
        timeout=30,
        what="the healing operation to finish",
    )
    kubectl.run("scale", "deployment", "-n", namespace, DEPLOYMENT, "--replicas=4")
    kubectl.wait_for(
        lambda: (
            (kubectl.get("deployment", "-n", namespace, DEPLOYMENT) or {})["spec"]["replicas"] == 1
        ),
        timeout=30,
        what="replicas reverted to 1",
    )
    kubectl.wait_for(
        lambda: any(
            e["reason"] == "SelfHeal"
            and "kubectl" in e["message"]
            and "spec.replicas" in e["message"]
            for e in events(kubectl, namespace)
        ),
        timeout=30,
        what="a SelfHeal event naming kubectl and spec.replicas",
    )
    # An image edit with kubectl set image is reverted too.
    kubectl.run(
        "set", "image", "-n", namespace, f"deployment/{DEPLOYMENT}", "guestbook=evil:latest"
    )
    kubectl.wait_for(
        lambda: image_of(kubectl, namespace).endswith(":1.1.0-rc.1"),
        timeout=30,
        what="image reverted",
    )
    wait_synced_healthy(kubectl, namespace, "guestbook")


def test_commit_deploys_by_webhook_and_by_polling_and_revert_rolls_back(
    kubectl: Kubectl, namespace: str, repo: BareRepo, ctl: RunningController
) -> None:
    kubectl.apply(
        application("guestbook", namespace, repo.url, automated={"prune": True, "selfHeal": True})
    )
    wait_synced_healthy(kubectl, namespace, "guestbook")

    # Story 4a: a push announced by webhook is deployed in seconds.
    first = repo.head()
    repo.commit({OVERLAY: overlay_with_tag(repo, "1.2.0")}, "release 1.2.0")
    body = json.dumps({"repoURL": repo.url, "ref": "refs/heads/main"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{ctl.webhook_port}/api/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    kubectl.wait_for(
        lambda: image_of(kubectl, namespace).endswith(":1.2.0"),
        timeout=20,
        what="image 1.2.0 deployed after the webhook",
    )
    webhook_seconds = time.monotonic() - started
    assert webhook_seconds < 20

    # Story 4b: without a webhook, polling picks up the next commit within the interval.
    repo.commit({OVERLAY: overlay_with_tag(repo, "1.3.0")}, "release 1.3.0")
    kubectl.wait_for(
        lambda: image_of(kubectl, namespace).endswith(":1.3.0"),
        timeout=30,
        what="image 1.3.0 deployed by polling",
    )

    # Story 5: git revert of the last commit brings the previous image back.
    from tests.support.gitserver import git

    git("revert", "--no-edit", "HEAD", cwd=repo.work)
    git("push", "-q", "origin", "HEAD:refs/heads/main", cwd=repo.work)
    kubectl.wait_for(
        lambda: image_of(kubectl, namespace).endswith(":1.2.0"),
        timeout=30,
        what="image 1.2.0 back after git revert",
    )
    history = app_status(kubectl, namespace, "guestbook")["history"]
    assert history[0]["revision"] == first
    assert [h["id"] for h in history] == sorted(h["id"] for h in history)


def test_prune_removes_deleted_manifests_only_when_enabled(
    kubectl: Kubectl, namespace: str, repo: BareRepo, ctl: RunningController
) -> None:
    kubectl.apply(
        application("pruning", namespace, repo.url, automated={"prune": True, "selfHeal": False})
    )
    kubectl.apply(
        application(
            "keeping",
            namespace,
            repo.url,
            path="apps/podinfo/overlays/dev",
            automated={"prune": False},
        )
    )
    wait_synced_healthy(kubectl, namespace, "pruning")
    wait_synced_healthy(kubectl, namespace, "keeping")
    # A manifest nobody manages must never be touched by pruning.
    kubectl.run("create", "configmap", "bystander", "-n", namespace, "--from-literal=a=b")

    base = repo.work / "apps/guestbook/base/kustomization.yaml"
    podinfo_base = repo.work / "apps/podinfo/base/kustomization.yaml"
    repo.commit(
        {
            str(base.relative_to(repo.work)): base.read_text().replace("  - service.yaml\n", ""),
            str(podinfo_base.relative_to(repo.work)): podinfo_base.read_text().replace(
                "  - service.yaml\n", ""
            ),
        },
        "drop the services",
    )
    kubectl.wait_for(
        lambda: kubectl.get("service", "-n", namespace, DEPLOYMENT) is None,
        timeout=30,
        what="the guestbook Service pruned",
    )

    def requires_pruning() -> bool:
        status = app_status(kubectl, namespace, "keeping")
        return status.get("sync", {}).get("status") == "OutOfSync" and any(
            r.get("kind") == "Service" and r.get("requiresPruning")
            for r in status.get("resources") or []
        )

    kubectl.wait_for(requires_pruning, timeout=30, what="podinfo Service requiresPruning")
    services = kubectl.json("get", "services", "-n", namespace)["items"]
    assert [s["metadata"]["name"] for s in services] == ["dev-podinfo"]
    assert kubectl.get("configmap", "-n", namespace, "bystander") is not None


def test_broken_commit_prunes_nothing_and_a_fix_recovers(
    kubectl: Kubectl, namespace: str, repo: BareRepo, ctl: RunningController
) -> None:
    kubectl.apply(
        application("guestbook", namespace, repo.url, automated={"prune": True, "selfHeal": True})
    )
    wait_synced_healthy(kubectl, namespace, "guestbook")
    good = (repo.work / "apps/guestbook/base/service.yaml").read_text()
    repo.commit({"apps/guestbook/base/service.yaml": "kind: Service\n  bad: [indent\n"}, "oops")

    def condition() -> str:
        for c in app_status(kubectl, namespace, "guestbook").get("conditions") or []:
            if c["type"] == "ComparisonError":
                return str(c["message"])
        return ""

    message = kubectl.wait_for(condition, timeout=30, what="a ComparisonError condition")
    assert "service.yaml" in message or "kustomize" in message
    for kind in ("deployment", "service", "configmap"):
        assert kubectl.json("get", kind, "-n", namespace, "-l", "gitopsd.io/app")["items"], kind

    repo.commit({"apps/guestbook/base/service.yaml": good}, "fix")
    wait_synced_healthy(kubectl, namespace, "guestbook")
    assert not any(
        c["type"] == "ComparisonError"
        for c in app_status(kubectl, namespace, "guestbook").get("conditions") or []
    )


def test_app_of_apps_creates_children_and_cascading_delete_removes_them(
    kubectl: Kubectl, namespace: str, tmp_path: Path, repo: BareRepo, ctl: RunningController
) -> None:
    child = application("child", namespace, repo.url, automated={"prune": True}, finalizer=True)
    repo.commit({"apps/root/child.yaml": child}, "app of apps")
    root = application(
        "root",
        namespace,
        repo.url,
        path="apps/root",
        automated={"prune": True, "selfHeal": True},
        finalizer=True,
        kustomize=False,
    )
    kubectl.apply(root)
    wait_synced_healthy(kubectl, namespace, "root", timeout=90)
    wait_synced_healthy(kubectl, namespace, "child")
    assert kubectl.get("deployment", "-n", namespace, DEPLOYMENT) is not None

    kubectl.run("delete", "applications.gitopsd.io", "-n", namespace, "root", "--wait=false")
    kubectl.wait_for(
        lambda: (
            kubectl.get("applications.gitopsd.io", "-n", namespace, "child") is None
            and kubectl.get("applications.gitopsd.io", "-n", namespace, "root") is None
        ),
        timeout=60,
        what="root and child Applications gone",
    )
    kubectl.wait_for(
        lambda: kubectl.get("deployment", "-n", namespace, DEPLOYMENT) is None,
        timeout=60,
        what="the child's Deployment removed",
    )


def test_restart_mid_sync_completes_once(
    kubectl: Kubectl, namespace: str, tmp_path: Path, kubeconfig: str, repo: BareRepo
) -> None:
    # A PreSync hook Job that takes a moment, and two waves: the controller is killed
    # while the operation runs, and a new one finishes it without redoing anything.
    hook = """apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    argocd.argoproj.io/hook: PreSync
    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: busybox
"""
    late = """apiVersion: v1
kind: ConfigMap
metadata:
  name: late
  annotations:
    argocd.argoproj.io/sync-wave: "5"
data:
  a: b
"""
    kustomization = (repo.work / "apps/guestbook/base/kustomization.yaml").read_text()
    repo.commit(
        {
            "apps/guestbook/base/migrate.yaml": hook,
            "apps/guestbook/base/late.yaml": late,
            "apps/guestbook/base/kustomization.yaml": kustomization.replace(
                "resources:\n", "resources:\n  - migrate.yaml\n  - late.yaml\n"
            ),
        },
        "hook and waves",
    )
    first = controller(namespace, tmp_path / "ctl1", kubeconfig=kubeconfig)
    running = first.__enter__()
    try:
        kubectl.apply(application("guestbook", namespace, repo.url, automated={"prune": True}))
        kubectl.wait_for(
            lambda: (
                (app_status(kubectl, namespace, "guestbook").get("operationState") or {}).get(
                    "phase"
                )
                == "Running"
            ),
            timeout=30,
            what="the operation to be Running",
        )
        running.kill()
    finally:
        first.__exit__(None, None, None)
    job = kubectl.get("job", "-n", namespace, "dev-migrate") or kubectl.get(
        "job", "-n", namespace, "migrate"
    )
    with controller(namespace, tmp_path / "ctl2", kubeconfig=kubeconfig):
        wait_synced_healthy(kubectl, namespace, "guestbook", timeout=90)
    status = app_status(kubectl, namespace, "guestbook")
    assert status["operationState"]["phase"] == "Succeeded"
    assert len(status["history"]) == 1
    jobs = kubectl.json("get", "jobs", "-n", namespace)["items"]
    assert len(jobs) == 1
    if job is not None:  # the hook ran before the kill: the same Job finished the phase
        assert jobs[0]["metadata"]["uid"] == job["metadata"]["uid"]


def test_metrics_and_webhook_signature(
    kubectl: Kubectl, namespace: str, tmp_path: Path, kubeconfig: str, repo: BareRepo
) -> None:
    secret = "s3cret-for-test"
    kubectl.run(
        "create",
        "secret",
        "generic",
        "gitopsd-secret",
        "-n",
        namespace,
        f"--from-literal=webhook.github.secret={secret}",
    )
    with controller(namespace, tmp_path / "ctl", kubeconfig=kubeconfig) as running:
        kubectl.apply(application("guestbook", namespace, repo.url, automated={"prune": True}))
        wait_synced_healthy(kubectl, namespace, "guestbook")
        expected = f'gitopsd_app_info{{autosync_enabled="true",dest_namespace="{namespace}",'
        kubectl.wait_for(
            lambda: any(
                line.startswith(expected)
                and 'sync_status="Synced"' in line
                and 'health_status="Healthy"' in line
                for line in running.metrics().splitlines()
            ),
            timeout=15,
            what="gitopsd_app_info Synced/Healthy",
        )
        assert "gitopsd_app_sync_total{" in running.metrics()
        payload = json.dumps(
            {"ref": "refs/heads/main", "repository": {"html_url": repo.url, "clone_url": repo.url}}
        ).encode()
        good = "sha256=" + hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
        url = f"http://127.0.0.1:{running.webhook_port}/api/webhook"
        for signature, expected_code in (("sha256=" + "0" * 64, 401), (good, 200)):
            request = urllib.request.Request(
                url,
                data=payload,
                headers={
                    "Content-Type": "application/json",
                    "X-GitHub-Event": "push",
                    "X-Hub-Signature-256": signature,
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    code = response.status
            except urllib.error.HTTPError as error:
                code = error.code
            assert code == expected_code
        assert "gitopsd_webhook_requests_total" in running.metrics()
