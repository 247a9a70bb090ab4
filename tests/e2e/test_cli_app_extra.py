"""The later ``gitopsd app`` verbs on the Kubernetes path (the kubeconfig, ``--core``):
``create`` from flags, ``get --refresh``, ``resources``, ``manifests`` (Secret values
masked, target and live) and ``terminate-op`` (refused with nothing running)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from tests.support.cli import gitopsd
from tests.support.controller import RunningController
from tests.support.gitserver import bare_repo
from tests.support.kube import Kubectl

SECRET_VALUE = "s3cret-value-never-printed"


def manifests(namespace: str) -> dict[str, str]:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "web-settings", "namespace": namespace},
        "data": {"colour": "blue"},
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "web-secret", "namespace": namespace},
        "data": {"token": base64.b64encode(SECRET_VALUE.encode()).decode()},
    }
    return {"web/cm.yaml": yaml.safe_dump(configmap), "web/secret.yaml": yaml.safe_dump(secret)}


def test_create_refresh_resources_manifests_and_terminate(
    crds: None,
    namespace: str,
    tmp_path: Path,
    kubectl: Kubectl,
    kubeconfig: str,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(manifests(namespace))
    core = (
        "--kubeconfig",
        kubeconfig,
        "-n",
        namespace,
        "--core",
        "--config",
        str(tmp_path / "no-config"),
    )
    code, out, err = gitopsd(
        capsys,
        "app",
        "create",
        "web",
        *core,
        "--repo",
        repo.url,
        "--path",
        "web",
        "--revision",
        "main",
        "--dest-namespace",
        namespace,
        "--sync-policy",
        "automated",
        "--label",
        "team=web",
    )
    assert code == 0, err
    created = kubectl.get("-n", namespace, "application", "web")
    assert created["spec"]["syncPolicy"]["automated"] == {"prune": False, "selfHeal": False}
    assert created["metadata"]["labels"] == {"team": "web"}
    again = gitopsd(capsys, "app", "create", "web", *core, "--repo", repo.url)
    assert again[0] == 1

    kubectl.wait_for(
        lambda: kubectl.get("-n", namespace, "secret", "web-secret"),
        timeout=60,
        what="the automated sync",
    )
    code, out, err = gitopsd(capsys, "app", "get", "web", *core, "--hard-refresh")
    assert code == 0 and "web" in out, err
    annotations = (
        kubectl.get("-n", namespace, "application", "web")["metadata"].get("annotations") or {}
    )
    assert not any(key.endswith("/refresh") for key in annotations)  # the controller took it

    code, out, err = gitopsd(capsys, "app", "resources", "web", *core)
    assert code == 0 and "web-settings" in out and "web-secret" in out, err
    for source in ("git", "live"):
        code, out, err = gitopsd(capsys, "app", "manifests", "web", *core, "--source", source)
        assert code == 0, err
        documents = {d["metadata"]["name"]: d for d in yaml.safe_load_all(out)}
        assert documents["web-settings"]["data"] == {"colour": "blue"}
        assert SECRET_VALUE not in out
        assert base64.b64encode(SECRET_VALUE.encode()).decode() not in out
        assert documents["web-secret"]["data"]["token"] != ""

    code, out, err = gitopsd(capsys, "app", "terminate-op", "web", *core)
    assert code == 1 and "no operation is requested or running" in err
    annotations = (
        kubectl.get("-n", namespace, "application", "web")["metadata"].get("annotations") or {}
    )
    assert not any(key.endswith("terminate-operation") for key in annotations)
