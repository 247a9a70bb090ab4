"""When kustomize or Helm fails on a secret, the secret is not in what gitopsd reports,
and no report shows where the controller keeps its caches and temporary trees.

Canaries — unique random strings — are planted in a secretGenerator literal, in an
env-file line and in a Helm value that fails the chart's schema, none of them in the
Application itself. The tool fails on each; the Application gets a ComparisonError
naming the problem, and the canary is in none of its status, its Events, the controller's
log and ``gitopsd app get``. A failure that makes kustomize print absolute paths shows
repository paths only."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.support.controller import RunningController
from tests.support.gitserver import bare_repo
from tests.support.kube import Kubectl
from tests.support.tenant import refused_with, reported_text, tenant_application, tracked_objects

pytestmark = pytest.mark.usefixtures("crds")

CHART = "apiVersion: v2\nname: chart\nversion: 0.1.0\n"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
SCHEMA = {"type": "object", "properties": {"password": {"type": "string", "pattern": "^[a-z]+$"}}}


def canary() -> str:
    return f"Canary{uuid.uuid4().hex}"


def _files(secret: str, where: str) -> tuple[dict[str, str | None], str]:
    """(repository files, the error the tool reports) for a canary in ``where``."""
    if where == "generator-literal":
        kustomization = f"secretGenerator:\n- name: db\n  literals:\n  - {secret}\n"
        return {"app/kustomization.yaml": kustomization}, "invalid literal source"
    if where == "env-file-line":
        kustomization = "secretGenerator:\n- name: db\n  envs: [db.env]\n"
        env_file = "user=app\n\udcff\udcfe password=" + secret + "\n"
        return {"app/kustomization.yaml": kustomization, "app/db.env": env_file}, "invalid utf8"
    return {
        "app/Chart.yaml": CHART,
        "app/values.schema.json": json.dumps(SCHEMA),
        "app/templates/cm.yaml": CONFIGMAP,
        "app/secret-values.yaml": f"password: {secret}\n",
    }, "does not match pattern"


@pytest.mark.parametrize("where", ["generator-literal", "env-file-line", "helm-schema-value"])
def test_a_secret_in_a_failing_render_is_not_reported(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
    kubeconfig: str,
    where: str,
) -> None:
    secret = canary()
    files, expected = _files(secret, where)
    repo = bare_repo(tmp_path, "tenant")
    if where == "env-file-line":
        _commit_bytes(repo.work, files)
        repo.commit({}, "an env file with a bad line")
    else:
        repo.commit(files, "a render that fails on a secret")
    source = {"repoURL": repo.url, "targetRevision": "main", "path": "app"}
    if where == "helm-schema-value":
        source["helm"] = {"valueFiles": ["secret-values.yaml"]}
    kubectl.apply(tenant_application("leaky", namespace, source))

    message = refused_with(kubectl, namespace, "leaky", "ComparisonError", expected)
    assert secret not in message
    reports = reported_text(kubectl, namespace, "leaky", ctl, capsys, kubeconfig)
    for name, text in reports.items():
        assert secret not in text, f"the canary is in {name}"
    assert expected in reports["app get"]
    assert tracked_objects(kubectl, namespace) == []


def _commit_bytes(work: Path, files: dict[str, str | None]) -> None:
    """Write files whose text holds undecodable bytes (surrogate-escaped) as raw bytes."""
    for name, text in files.items():
        assert text is not None
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", "surrogateescape"))


@pytest.mark.parametrize("override", [False, True], ids=["checkout", "edited-copy"])
def test_tool_errors_show_repository_paths_not_the_controllers(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
    kubeconfig: str,
    override: bool,
) -> None:
    repo = bare_repo(tmp_path, "tenant")
    repo.commit(
        {
            # ``parts`` is a directory without a kustomization: kustomize names its path.
            "apps/web/kustomization.yaml": "resources: [parts]\n",
            "apps/web/parts/cm.yaml": CONFIGMAP,
        }
    )
    source: dict[str, object] = {"repoURL": repo.url, "targetRevision": "main", "path": "apps/web"}
    if override:
        source["kustomize"] = {"namePrefix": "dev-"}  # rendered from a temporary copy
    kubectl.apply(tenant_application("paths", namespace, source))

    message = refused_with(kubectl, namespace, "paths", "ComparisonError", "kustomize failed")
    assert "apps/web/parts" in message
    cache = tmp_path / "ctl" / "cache"
    reports = reported_text(kubectl, namespace, "paths", ctl, capsys, kubeconfig)
    for name, text in reports.items():
        # The tenant's own repository URL is a file:///tmp/… path in this suite.
        shown = text.replace(repo.url, "<repository>")
        if name == "log":
            shown = "\n".join(line for line in shown.splitlines() if "ComparisonError" in line)
        for private in (str(cache), "checkouts/", "gitopsd-kustomize-", "/tmp/"):
            assert private not in shown, f"{private} is in {name}"
