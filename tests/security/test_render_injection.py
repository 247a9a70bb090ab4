"""A tenant who may create one Application chooses every value that reaches helm and git.
None of them can run a command or read a file outside the repository.

Each story is the attack as a tenant would run it — a chart or repository that would
betray the attack if it worked, an Application carrying the hostile value — against the
real controller and control plane. The answer is an InvalidSpecError naming the field,
the marker file a shell would create never appears, and nothing is written: no object
in the namespace, no canary from a file outside the repository anywhere."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.appsets import APPS, condition, status_of
from tests.support.controller import RunningController
from tests.support.gitserver import BareRepo, bare_repo
from tests.support.kube import Kubectl
from tests.support.tenant import (
    refused_with,
    reported_text,
    tenant_application,
    tracked_objects,
    written_objects,
)

pytestmark = pytest.mark.usefixtures("crds")

CHART = """apiVersion: v2
name: pwn
version: 0.1.0
"""
# A ConfigMap that is also a shell script: a post-renderer shell would run its last line.
SHELL_TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: harmless
data:
  script: |
    true
    touch {marker}
"""
LEAK_TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: leak
data:
  leak: {{ .Values.leak | default "nothing" | quote }}
"""


def chart_repo(tmp_path: Path, marker: Path) -> BareRepo:
    repo = bare_repo(tmp_path, "charts")
    repo.commit(
        {
            "pwn/Chart.yaml": CHART,
            "pwn/templates/cm.yaml": LEAK_TEMPLATE,
            "pwn/templates/zz-shell.yaml": SHELL_TEMPLATE.format(marker=marker),
        },
        "a chart that betrays a post-renderer or a --set-file",
    )
    return repo


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / f"pwned-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def outside_secret(tmp_path: Path) -> tuple[Path, str]:
    """A file outside every repository, like the controller's own admin key."""
    canary = f"canary-{uuid.uuid4().hex}"
    path = tmp_path / "outside" / "admin.key"
    path.parent.mkdir()
    path.write_text(canary + "\n")
    return path, canary


def _assert_nothing_happened(
    kubectl: Kubectl, namespace: str, marker: Path, canary: str | None = None
) -> None:
    assert not marker.exists(), "a shell ran"
    assert tracked_objects(kubectl, namespace) == []
    if canary is not None:
        assert canary not in written_objects(kubectl, namespace)


def test_a_release_name_cannot_smuggle_a_post_renderer(
    kubectl: Kubectl, namespace: str, tmp_path: Path, marker: Path, ctl: RunningController
) -> None:
    repo = chart_repo(tmp_path, marker)
    helm = {"releaseName": "--post-renderer=/bin/sh"}
    source = {"repoURL": repo.url, "targetRevision": "main", "path": "pwn", "helm": helm}
    kubectl.apply(tenant_application("pwn", namespace, source))

    # Wait for whichever comes first: the refusal, or the shell's marker.
    kubectl.wait_for(
        lambda: marker.exists() or _condition(kubectl, namespace, "InvalidSpecError"),
        timeout=60,
        what="the release name refused (or a shell run)",
    )
    assert not marker.exists(), "helm ran the post-renderer shell"
    message = refused_with(kubectl, namespace, "pwn", "InvalidSpecError", "helm.releaseName")
    assert "not a valid Helm release name" in message
    _assert_nothing_happened(kubectl, namespace, marker)


def test_a_release_name_cannot_smuggle_set_file(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    marker: Path,
    outside_secret: tuple[Path, str],
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
    kubeconfig: str,
) -> None:
    key, canary = outside_secret
    repo = chart_repo(tmp_path, marker)
    helm = {"releaseName": f"--set-file=leak={key}"}
    source = {"repoURL": repo.url, "targetRevision": "main", "path": "pwn", "helm": helm}
    kubectl.apply(tenant_application("pwn", namespace, source))

    kubectl.wait_for(
        lambda: (
            canary in written_objects(kubectl, namespace)
            or _condition(kubectl, namespace, "InvalidSpecError")
        ),
        timeout=60,
        what="the release name refused (or the file leaked)",
    )
    assert canary not in written_objects(kubectl, namespace), "helm read the file outside"
    refused_with(kubectl, namespace, "pwn", "InvalidSpecError", "helm.releaseName")
    _assert_nothing_happened(kubectl, namespace, marker, canary)
    for where, text in reported_text(kubectl, namespace, "pwn", ctl, capsys, kubeconfig).items():
        assert canary not in text, where


@pytest.mark.parametrize(
    ("helm", "field"),
    [
        ({"valueFiles": ["values.yaml", "a\n--set-file=leak={key}"]}, "helm.valueFiles[1]"),
        ({"parameters": [{"name": "x,leak", "value": "{key}"}]}, "helm.parameters[0].name"),
        ({"namespace": "--set-file=leak={key}"}, "helm.namespace"),
        ({"kubeVersion": "--set-file=leak={key}"}, "helm.kubeVersion"),
        ({"apiVersions": ["--set-file=leak={key}"]}, "helm.apiVersions[0]"),
    ],
    ids=["valueFiles", "parameter-list", "namespace", "kubeVersion", "apiVersions"],
)
def test_other_helm_values_cannot_read_a_file_outside_the_repository(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    marker: Path,
    outside_secret: tuple[Path, str],
    ctl: RunningController,
    helm: dict[str, Any],
    field: str,
) -> None:
    key, canary = outside_secret
    repo = chart_repo(tmp_path, marker)
    filled = {
        name: [_fill(v, key) for v in value] if isinstance(value, list) else _fill(value, key)
        for name, value in helm.items()
    }
    source = {"repoURL": repo.url, "targetRevision": "main", "path": "pwn", "helm": filled}
    kubectl.apply(tenant_application("pwn", namespace, source))

    refused_with(kubectl, namespace, "pwn", "InvalidSpecError", field)
    _assert_nothing_happened(kubectl, namespace, marker, canary)


def _condition(kubectl: Kubectl, namespace: str, condition_type: str) -> bool:
    return bool(condition(status_of(kubectl, APPS, namespace, "pwn"), condition_type))


def _fill(value: Any, key: Path) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, key) for k, v in value.items()}
    return value.format(key=key) if isinstance(value, str) else value


def test_a_hostile_parameter_value_is_only_a_value(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    marker: Path,
    outside_secret: tuple[Path, str],
    ctl: RunningController,
) -> None:
    """Values (and names) are the tenant's to choose; each stays one ``--set=`` word, so it
    reaches the chart verbatim and reads nothing."""
    key, canary = outside_secret
    repo = bare_repo(tmp_path, "chart")
    repo.commit({"pwn/Chart.yaml": CHART, "pwn/templates/cm.yaml": LEAK_TEMPLATE}, "chart")
    hostile = f"--set-file=leak={key}"
    helm = {
        "parameters": [
            {"name": "leak", "value": hostile, "forceString": True},
            {"name": "--set-file", "value": f"leak={key}"},
        ]
    }
    source = {"repoURL": repo.url, "targetRevision": "main", "path": "pwn", "helm": helm}
    kubectl.apply(tenant_application("pwn", namespace, source))

    def leak_value() -> str | None:
        live = kubectl.get("configmap", "-n", namespace, "leak")
        return None if live is None else str(live["data"]["leak"])

    assert kubectl.wait_for(leak_value, timeout=60, what="the leak ConfigMap") == hostile
    assert canary not in written_objects(kubectl, namespace)


@pytest.mark.parametrize(
    ("source", "field"),
    [
        ({"targetRevision": "--upload-pack=touch {marker}"}, "spec.source.targetRevision"),
        ({"repoURL": "--upload-pack=touch {marker}"}, "spec.source.repoURL"),
        ({"repoURL": "ext::sh -c touch% {marker}"}, "spec.source.repoURL"),
        ({"repoURL": "ext::sh -c touch% {marker}", "targetRevision": "a" * 40}, "repoURL"),
        ({"repoURL": "--upload-pack=touch {marker}", "targetRevision": "b" * 40}, "repoURL"),
    ],
    ids=["revision", "url-option", "url-ext", "url-ext-by-sha", "url-option-by-sha"],
)
def test_git_never_runs_a_command_from_a_url_or_revision(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    marker: Path,
    ctl: RunningController,
    source: dict[str, str],
    field: str,
) -> None:
    repo = bare_repo(tmp_path, "plain")
    repo.commit({"app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"})
    chosen = {"repoURL": repo.url, "targetRevision": "main", "path": "app", **source}
    chosen = {k: v.format(marker=marker) for k, v in chosen.items()}
    kubectl.apply(tenant_application("pwn", namespace, chosen))

    refused_with(kubectl, namespace, "pwn", "InvalidSpecError", field)
    _assert_nothing_happened(kubectl, namespace, marker)
    assert not list((tmp_path / "ctl" / "cache").glob("repos/*")), "git touched the cache"
