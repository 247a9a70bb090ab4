"""``gitopsd diff`` against objects applied by hand: masked Secrets and who drifted.

No controller runs: the command renders locally, dry-runs against the real API server and
compares with what ``kubectl`` put there.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from tests.support.cli import gitopsd
from tests.support.crds import install_crds
from tests.support.gitserver import bare_repo
from tests.support.kube import Kubectl

PLANTED = "planted-by-hand-0xC0FFEE"
IN_GIT = "the-value-kept-in-git-42"


def deployment(namespace: str | None) -> dict[str, object]:
    metadata = {"name": "api", **({"namespace": namespace} if namespace else {})}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "api"}},
            "template": {
                "metadata": {"labels": {"app": "api"}},
                "spec": {"containers": [{"name": "api", "image": "registry.local/api:1.0"}]},
            },
        },
    }


def secret(namespace: str | None, password: str) -> dict[str, object]:
    metadata = {"name": "api-credentials", **({"namespace": namespace} if namespace else {})}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": "Opaque",
        "stringData": {"password": password},
    }


def leaked(text: str, value: str) -> bool:
    return value in text or base64.b64encode(value.encode()).decode() in text


def test_directory_diff_masks_secrets_and_names_who_drifted(
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    kubectl: Kubectl,
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = tmp_path / "shop"
    directory.mkdir()
    (directory / "deployment.yaml").write_text(yaml.safe_dump(deployment(None)))
    (directory / "secret.yaml").write_text(yaml.safe_dump(secret(None, IN_GIT)))
    kubectl.apply(yaml.safe_dump_all([deployment(namespace), secret(namespace, PLANTED)]))
    kubectl.run("-n", namespace, "scale", "deployment", "api", "--replicas=5")

    code, out, err = gitopsd(
        capsys, "diff", str(directory), "--namespace", namespace, "--kubeconfig", kubeconfig
    )

    assert code == 1, err
    assert f"Secret/{namespace}/api-credentials: " in out
    assert "password: ++++++++" in out
    assert not leaked(out + err, PLANTED)
    assert not leaked(out + err, IN_GIT)
    assert f"Deployment/{namespace}/api: " in out
    assert "who drifted: kubectl (Update /scale) changed spec.replicas" in out
    assert "-  replicas: 5\n+  replicas: 2" in out
    # The directory's name is the application: its tracking is what the diff adds.
    assert "gitopsd.io/app: gitopsd_shop" in out


def test_application_manifest_diff_renders_its_source_for_a_registered_cluster(
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    kubectl: Kubectl,
    capsys: pytest.CaptureFixture[str],
) -> None:
    install_crds(kubectl)
    repo = bare_repo(tmp_path)
    repo.commit({"api/deployment.yaml": yaml.safe_dump(deployment(None))}, "api")
    manifest = tmp_path / "application.yaml"
    manifest.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "gitopsd.io/v1alpha1",
                "kind": "Application",
                "metadata": {"name": "api", "namespace": namespace},
                "spec": {
                    "source": {"repoURL": repo.url, "path": "api"},
                    "destination": {"name": "spoke", "namespace": namespace},
                },
            }
        )
    )

    # The destination is the test cluster itself, reached through its cluster Secret.
    code, out, err = gitopsd(capsys, "diff", "-f", str(manifest), "--kubeconfig", kubeconfig)
    assert code == 2
    assert f"destination cluster spoke is not registered in {namespace}" in err
    context = kubectl.run("config", "current-context").strip()
    add = ("cluster", "add", context, "--name", "spoke", "-n", namespace)
    assert gitopsd(capsys, *add, "--kubeconfig", kubeconfig)[0] == 0

    code, out, err = gitopsd(capsys, "diff", "-f", str(manifest), "--kubeconfig", kubeconfig)

    assert code == 1, err
    assert out.startswith(f"Deployment/{namespace}/api: missing from the cluster\n")


def test_errors_exit_2(tmp_path: Path, kubeconfig: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = gitopsd(capsys, "diff", str(tmp_path / "absent"), "--kubeconfig", kubeconfig)
    assert code == 2
    assert "not a directory" in err
