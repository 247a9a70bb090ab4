"""The reconcile core against the real API server: zero drift after a sync of realistic
manifests, who drifted, waves and hooks in order, safe pruning, immutable fields, and a
planted Secret value that never leaks."""

from __future__ import annotations

import hashlib
import json
import string
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.controller import RunningController, controller
from tests.support.gitserver import BareRepo, bare_repo
from tests.support.kube import Kubectl

TESTDATA = Path(__file__).parent / "testdata"
PLANTED = "PLANTED-SECRET-VALUE-7f3a9c"


pytestmark = pytest.mark.usefixtures("crds")


def app_manifest(
    name: str,
    namespace: str,
    repo: BareRepo,
    path: str,
    *,
    automated: dict[str, Any] | None = None,
    sync_options: list[str] | None = None,
) -> str:
    spec: dict[str, Any] = {
        "project": "default",
        "source": {"repoURL": repo.url, "targetRevision": "main", "path": path},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
        "syncPolicy": {"syncOptions": sync_options or []},
    }
    if automated is not None:
        spec["syncPolicy"]["automated"] = automated
    body = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }
    return yaml.safe_dump(body)


def status_of(kubectl: Kubectl, namespace: str, name: str) -> dict[str, Any]:
    app = kubectl.get("applications.gitopsd.io", "-n", namespace, name) or {}
    result: dict[str, Any] = app.get("status") or {}
    return result


def wait_status(
    kubectl: Kubectl, namespace: str, name: str, sync: str, health: str, timeout: float = 90
) -> dict[str, Any]:
    def matches() -> dict[str, Any] | None:
        status = status_of(kubectl, namespace, name)
        ok = (status.get("sync") or {}).get("status") == sync and (status.get("health") or {}).get(
            "status"
        ) == health
        return status if ok else None

    result: dict[str, Any] = kubectl.wait_for(
        matches, timeout=timeout, what=f"{name} {sync}/{health}"
    )
    return result


def crd_names(namespace: str) -> dict[str, str]:
    letters = "".join(
        string.ascii_lowercase[b % 26] for b in hashlib.sha256(namespace.encode()).digest()[:6]
    )
    return {
        "PLURAL": f"baskets{letters}",
        "SINGULAR": f"basket{letters}",
        "KIND": f"Basket{letters}",
    }


def realistic_files(namespace: str) -> dict[str, str]:
    files = {}
    for path in sorted((TESTDATA / "realistic").glob("*.yaml")):
        text = path.read_text()
        for placeholder, value in crd_names(namespace).items():
            text = text.replace(placeholder, value)
        files[f"shop/{path.name}"] = text
    return files


def test_realistic_app_has_zero_drift_after_sync_and_reports_who_drifted(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(realistic_files(namespace), "the shop")
    kubectl.apply(app_manifest("shop", namespace, repo, "shop", automated={"prune": True}))

    def synced() -> dict[str, Any] | None:
        status = status_of(kubectl, namespace, "shop")
        done = (status.get("operationState") or {}).get("phase") == "Succeeded"
        return status if done and status["sync"]["status"] == "Synced" else None

    status = kubectl.wait_for(synced, timeout=120, what="shop Synced after its sync")
    health = {r["kind"]: r.get("health", {}).get("status") for r in status["resources"]}
    # The local cluster has no metrics server, storage provisioner or load balancer, so
    # the HPA, the StatefulSet's claim and the Ingress report what they wait for; the
    # workloads kwok runs are healthy.
    assert health["Deployment"] == "Healthy"
    assert health["Service"] == "Healthy"
    kinds = {r["kind"] for r in status["resources"]}
    assert {
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "StatefulSet",
        "HorizontalPodAutoscaler",
        "Ingress",
        "CustomResourceDefinition",
        "Role",
        "RoleBinding",
        "ServiceAccount",
        crd_names(namespace)["KIND"],
    } <= kinds
    assert all(r["status"] == "Synced" for r in status["resources"])
    assert status["summary"]["images"] == [
        "registry.example.com/postgres:16",
        "registry.example.com/shop:2.4.1",
    ]

    # Fields another manager adds, that Git does not mention, are not drift.
    kubectl.run("annotate", "deployment", "-n", namespace, "shop-web", "ops.example.com/note=hello")
    # A field we own, edited by hand, is drift, attributed to its manager.
    kubectl.run(
        "patch",
        "deployment",
        "-n",
        namespace,
        "shop-web",
        "--field-manager=kubectl-edit",
        "--type=merge",
        "-p",
        json.dumps({"spec": {"template": {"spec": {"serviceAccountName": "default"}}}}),
    )
    kubectl.run(
        "annotate",
        "application.gitopsd.io",
        "-n",
        namespace,
        "shop",
        "gitopsd.io/refresh=normal",
        "--overwrite",
    )

    def drifted() -> dict[str, Any] | None:
        for resource in status_of(kubectl, namespace, "shop").get("resources") or []:
            if resource["kind"] == "Deployment" and resource["status"] == "OutOfSync":
                return resource
        return None

    deployment = kubectl.wait_for(drifted, timeout=30, what="the Deployment reported OutOfSync")
    managers = " ".join(deployment.get("driftManagers") or [])
    assert "kubectl-edit (Update)" in managers
    assert "serviceAccountName" in managers
    assert "ops.example.com" not in managers
    others = [
        r for r in status_of(kubectl, namespace, "shop")["resources"] if r["kind"] != "Deployment"
    ]
    assert all(r["status"] == "Synced" for r in others)

    # The planted Secret value is in none of status, events or the controller's log.
    events = kubectl.run("get", "events", "-n", namespace, "-o", "json")
    app = kubectl.run("get", "application.gitopsd.io", "-n", namespace, "shop", "-o", "json")
    for text in (events, app, ctl.log()):
        assert PLANTED not in text


def test_waves_and_hooks_run_in_order_and_a_failing_hook_runs_syncfail(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)

    def job(name: str, hook: str, *, fail: bool = False, policy: str = "") -> str:
        annotations = {"argocd.argoproj.io/hook": hook}
        if policy:
            annotations["argocd.argoproj.io/hook-delete-policy"] = policy
        body = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": name, "annotations": annotations},
            "spec": {
                "backoffLimit": 0,
                "template": {
                    "metadata": {"labels": {"fail": "yes"} if fail else {}},
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "job", "image": "busybox"}],
                    },
                },
            },
        }
        return yaml.safe_dump(body)

    def configmap(name: str, wave: int) -> str:
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": name,
                "annotations": {"argocd.argoproj.io/sync-wave": str(wave)},
            },
            "data": {"wave": str(wave)},
        }
        return yaml.safe_dump(body)

    repo.commit(
        {
            "app/presync.yaml": job("migrate", "PreSync", policy="HookSucceeded"),
            "app/first.yaml": configmap("first", -1),
            "app/second.yaml": configmap("second", 0),
            "app/third.yaml": configmap("third", 3),
            "app/postsync.yaml": job("smoke", "PostSync"),
        },
        "waves and hooks",
    )
    kubectl.apply(app_manifest("ordered", namespace, repo, "app"))
    kubectl.run(
        "patch",
        "application.gitopsd.io",
        "-n",
        namespace,
        "ordered",
        "--type=merge",
        "-p",
        json.dumps({"operation": {"sync": {"prune": True}, "initiatedBy": {"username": "e2e"}}}),
    )

    def finished() -> dict[str, Any] | None:
        status = status_of(kubectl, namespace, "ordered")
        phase = (status.get("operationState") or {}).get("phase")
        return status if phase in ("Succeeded", "Failed", "Error") else None

    status = kubectl.wait_for(finished, timeout=120, what="the sync operation to finish")
    assert status["operationState"]["phase"] == "Succeeded", status["operationState"]
    assert status["sync"]["status"] == "Synced"

    created = {
        name: (kubectl.get("configmap", "-n", namespace, name) or {})["metadata"][
            "creationTimestamp"
        ]
        for name in ("first", "second", "third")
    }
    smoke = kubectl.get("job", "-n", namespace, "smoke")
    assert smoke is not None
    assert created["first"] <= created["second"] <= created["third"]
    assert created["third"] <= smoke["metadata"]["creationTimestamp"]
    # HookSucceeded: the PreSync Job is deleted once it completed.
    kubectl.wait_for(
        lambda: kubectl.get("job", "-n", namespace, "migrate") is None,
        timeout=30,
        what="the PreSync hook deleted by its HookSucceeded policy",
    )
    results = status["operationState"]["syncResult"]["resources"]
    presync = [r for r in results if r["name"] == "migrate"]
    assert presync and presync[0]["hookPhase"] == "Succeeded"


def test_prune_is_safe_and_empty_renders_prune_nothing(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)

    def configmap(name: str, options: str = "") -> str:
        meta: dict[str, Any] = {"name": name}
        if options:
            meta["annotations"] = {"argocd.argoproj.io/sync-options": options}
        return yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta})

    repo.commit(
        {
            "app/a.yaml": configmap("a"),
            "app/keep.yaml": configmap("keep", "Prune=false"),
            "app/b.yaml": configmap("b"),
        },
        "three",
    )
    kubectl.apply(app_manifest("p", namespace, repo, "app", automated={"prune": True}))
    wait_status(kubectl, namespace, "p", "Synced", "Healthy")
    # Someone else's object with a similar name is never touched.
    kubectl.run("create", "configmap", "c", "-n", namespace, "--from-literal=x=y")
    repo.commit({"app/a.yaml": None, "app/keep.yaml": None}, "drop a and keep")
    kubectl.wait_for(
        lambda: kubectl.get("configmap", "-n", namespace, "a") is None,
        timeout=30,
        what="ConfigMap a pruned",
    )
    status = wait_status(kubectl, namespace, "p", "OutOfSync", "Healthy")
    keep = [r for r in status["resources"] if r["name"] == "keep"]
    assert keep and keep[0].get("requiresPruning") is True
    assert kubectl.get("configmap", "-n", namespace, "keep") is not None
    assert kubectl.get("configmap", "-n", namespace, "c") is not None

    # An empty render without allowEmpty prunes nothing.
    repo.commit({"app/b.yaml": None, "app/README.md": "nothing here\n"}, "empty")
    kubectl.wait_for(
        lambda: status_of(kubectl, namespace, "p").get("sync", {}).get("revision") == repo.head(),
        timeout=30,
        what="the empty revision compared",
    )
    assert kubectl.get("configmap", "-n", namespace, "b") is not None
    assert kubectl.get("configmap", "-n", namespace, "keep") is not None


def test_immutable_field_fails_with_the_server_message_and_replace_fixes_it(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)

    def job(image: str, options: str = "") -> str:
        meta: dict[str, Any] = {"name": "once"}
        if options:
            meta["annotations"] = {"argocd.argoproj.io/sync-options": options}
        body = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": meta,
            "spec": {
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "once", "image": image}],
                    }
                }
            },
        }
        return yaml.safe_dump(body)

    repo.commit({"app/job.yaml": job("busybox:1")}, "job")
    kubectl.apply(app_manifest("imm", namespace, repo, "app", automated={"prune": True}))
    wait_status(kubectl, namespace, "imm", "Synced", "Healthy")
    repo.commit({"app/job.yaml": job("busybox:2")}, "change an immutable field")

    def failed() -> str:
        state = status_of(kubectl, namespace, "imm").get("operationState") or {}
        return str(state.get("message", "")) if state.get("phase") == "Failed" else ""

    message = kubectl.wait_for(failed, timeout=30, what="the sync to fail")
    assert message.startswith("Job/")
    assert "field is immutable" in message

    repo.commit({"app/job.yaml": job("busybox:2", "Replace=true,Force=true")}, "replace it")
    kubectl.wait_for(
        lambda: (
            "busybox:2"
            in json.dumps((kubectl.get("job", "-n", namespace, "once") or {}).get("spec", {}))
        ),
        timeout=60,
        what="the Job replaced with the new image",
    )


def test_a_failing_presync_hook_runs_the_syncfail_hooks_and_applies_nothing(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    # The API server refuses this Job (a Job needs containers): the PreSync hook fails.
    broken_hook = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate", "annotations": {"argocd.argoproj.io/hook": "PreSync"}},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": []}}},
    }
    on_failure = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "notify-failure",
            "annotations": {"argocd.argoproj.io/hook": "SyncFail"},
        },
        "data": {"sent": "yes"},
    }
    main = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "main"}}
    repo.commit(
        {
            "app/hook.yaml": yaml.safe_dump(broken_hook),
            "app/syncfail.yaml": yaml.safe_dump(on_failure),
            "app/main.yaml": yaml.safe_dump(main),
        },
        "a broken migration",
    )
    kubectl.apply(app_manifest("failing", namespace, repo, "app", automated={}))

    def failed() -> dict[str, Any] | None:
        state = status_of(kubectl, namespace, "failing").get("operationState") or {}
        return state if state.get("phase") == "Failed" else None

    state = kubectl.wait_for(failed, timeout=60, what="the operation to fail")
    assert state["message"].startswith("Job/"), state["message"]
    kubectl.wait_for(
        lambda: kubectl.get("configmap", "-n", namespace, "notify-failure") is not None,
        timeout=30,
        what="the SyncFail hook to run",
    )
    assert kubectl.get("configmap", "-n", namespace, "main") is None


def stuck_hook(name: str, timeout: str = "") -> dict[str, Any]:
    """A PreSync hook that never finishes here: a claim no provisioner will bind."""
    annotations = {"argocd.argoproj.io/hook": "PreSync"}
    if timeout:
        annotations["gitopsd.io/hook-timeout"] = timeout
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }


def test_a_stuck_hook_times_out_and_a_running_operation_can_be_terminated(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    main = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "main"}}
    repo.commit(
        {
            "a/hook.yaml": yaml.safe_dump(stuck_hook("stuck-a", "3s")),
            "a/main.yaml": yaml.safe_dump(main),
        },
        "a hook with a short timeout",
    )
    other = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other"}}
    repo.commit(
        {
            "b/hook.yaml": yaml.safe_dump(stuck_hook("stuck-b")),
            "b/main.yaml": yaml.safe_dump(other),
        },
        "a hook that waits for ever",
    )
    kubectl.apply(app_manifest("timeout", namespace, repo, "a", automated={}))
    kubectl.apply(app_manifest("manual", namespace, repo, "b"))
    kubectl.run(
        "patch",
        "application.gitopsd.io",
        "-n",
        namespace,
        "manual",
        "--type=merge",
        "-p",
        json.dumps({"operation": {"sync": {}, "initiatedBy": {"username": "e2e"}}}),
    )

    def phase(name: str) -> str:
        return str((status_of(kubectl, namespace, name).get("operationState") or {}).get("phase"))

    kubectl.wait_for(lambda: phase("timeout") == "Failed", timeout=60, what="the hook timeout")
    assert "timed out" in json.dumps(status_of(kubectl, namespace, "timeout")["operationState"])

    kubectl.wait_for(lambda: phase("manual") == "Running", timeout=30, what="a running sync")
    kubectl.run(
        "annotate",
        "application.gitopsd.io",
        "-n",
        namespace,
        "manual",
        "gitopsd.io/terminate-operation=true",
    )
    kubectl.wait_for(lambda: phase("manual") == "Failed", timeout=30, what="the termination")
    state = status_of(kubectl, namespace, "manual")["operationState"]
    assert state["message"] == "operation terminated"
    kubectl.wait_for(
        lambda: (
            kubectl.get("pvc", "-n", namespace, "stuck") is None
            or (kubectl.get("pvc", "-n", namespace, "stuck") or {})["metadata"].get(
                "deletionTimestamp"
            )
        ),
        timeout=30,
        what="the stuck hook deleted",
    )
    assert kubectl.get("configmap", "-n", namespace, "main") is None
    assert kubectl.get("configmap", "-n", namespace, "other") is None


def test_a_failed_sync_is_retried_with_backoff_until_it_succeeds(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    # The ConfigMap goes to a namespace that does not exist yet: the first attempts fail.
    later = f"{namespace}-later"
    repo = bare_repo(tmp_path)
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "eventually", "namespace": later},
        "data": {"a": "b"},
    }
    repo.commit({"app/cm.yaml": yaml.safe_dump(configmap)}, "into a namespace to come")
    body = yaml.safe_load(app_manifest("retry", namespace, repo, "app", automated={}))
    body["spec"]["syncPolicy"]["retry"] = {
        "limit": 10,
        "backoff": {"duration": "1s", "factor": 2, "maxDuration": "4s"},
    }
    kubectl.apply(yaml.safe_dump(body))

    def retrying() -> dict[str, Any] | None:
        state = status_of(kubectl, namespace, "retry").get("operationState") or {}
        return state if int(state.get("retryCount") or 0) >= 1 else None

    state = kubectl.wait_for(retrying, timeout=60, what="a retry of the failed sync")
    assert state["phase"] == "Running"
    kubectl.run("create", "namespace", later)
    try:
        kubectl.wait_for(
            lambda: kubectl.get("configmap", "-n", later, "eventually") is not None,
            timeout=60,
            what="a retry to succeed once the namespace exists",
        )
        kubectl.wait_for(
            lambda: (
                (status_of(kubectl, namespace, "retry").get("operationState") or {}).get("phase")
                == "Succeeded"
            ),
            timeout=30,
            what="the operation to succeed",
        )
    finally:
        kubectl.run("delete", "namespace", later, "--wait=false")


def test_the_refresh_annotation_picks_up_a_commit_before_the_next_poll(
    kubectl: Kubectl, namespace: str, tmp_path: Path, kubeconfig: str, crds: None
) -> None:
    repo = bare_repo(tmp_path)

    def configmap(value: str) -> str:
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "c"},
            "data": {"v": value},
        }
        return yaml.safe_dump(body)

    repo.commit({"app/c.yaml": configmap("one")}, "one")
    with controller(namespace, tmp_path / "ctl", kubeconfig=kubeconfig, reconcile_interval="10m"):
        kubectl.apply(app_manifest("fresh", namespace, repo, "app", automated={}))
        wait_status(kubectl, namespace, "fresh", "Synced", "Healthy")
        repo.commit({"app/c.yaml": configmap("two")}, "two")
        kubectl.run(
            "annotate",
            "application.gitopsd.io",
            "-n",
            namespace,
            "fresh",
            "argocd.argoproj.io/refresh=hard",
        )
        kubectl.wait_for(
            lambda: (
                (kubectl.get("configmap", "-n", namespace, "c") or {}).get("data") == {"v": "two"}
            ),
            timeout=30,
            what="the new commit deployed after the refresh annotation",
        )
        kubectl.wait_for(
            lambda: (
                "argocd.argoproj.io/refresh"
                not in (
                    (kubectl.get("application.gitopsd.io", "-n", namespace, "fresh") or {})
                    .get("metadata", {})
                    .get("annotations")
                    or {}
                )
            ),
            timeout=30,
            what="the refresh annotation cleared",
        )


def test_resource_exclusions_leave_a_kind_alone(
    kubectl: Kubectl, namespace: str, tmp_path: Path, kubeconfig: str, crds: None
) -> None:
    settings = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "gitopsd-cm", "namespace": namespace},
        "data": {"resource.exclusions": '- apiGroups: [""]\n  kinds: ["Secret"]\n'},
    }
    kubectl.apply(yaml.safe_dump(settings))
    repo = bare_repo(tmp_path)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "managed-elsewhere"},
        "stringData": {"k": "v"},
    }
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "mine"}}
    repo.commit(
        {"app/secret.yaml": yaml.safe_dump(secret), "app/config.yaml": yaml.safe_dump(config)},
        "a secret someone else manages",
    )
    with controller(namespace, tmp_path / "ctl", kubeconfig=kubeconfig, reconcile_interval="3s"):
        kubectl.apply(app_manifest("filtered", namespace, repo, "app", automated={}))
        status = wait_status(kubectl, namespace, "filtered", "Synced", "Healthy")
    assert [r["kind"] for r in status["resources"]] == ["ConfigMap"]
    assert kubectl.get("configmap", "-n", namespace, "mine") is not None
    assert kubectl.get("secret", "-n", namespace, "managed-elsewhere") is None
