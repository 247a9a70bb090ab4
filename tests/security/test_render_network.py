"""A render reaches no network: no remote kustomize base in any spelling, no schema URL.

The controller runs with witnesses on its PATH — a git that logs every invocation before
running the real one, an ssh that logs and fails — and a local HTTP server counts every
request. A tenant's kustomization names a remote base in three spellings (a URL, scp-like
``user@host:path``, GitHub shorthand ``github.com:owner/repo``), or its chart's values
schema references a URL: the Application gets a condition saying the remote was refused,
the server sees no request, no git or ssh ever names the remote, nothing is written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.controller import RunningController, controller
from tests.support.gitserver import bare_repo
from tests.support.kube import Kubectl
from tests.support.netcount import ProgramLog, RequestLog, counting_http_server, logging_programs
from tests.support.tenant import refused_with, tenant_application, tracked_objects

pytestmark = pytest.mark.usefixtures("crds")

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n"


@pytest.fixture
def server() -> Iterator[tuple[str, RequestLog]]:
    with counting_http_server() as served:
        yield served


@pytest.fixture
def programs(tmp_path: Path) -> ProgramLog:
    return logging_programs(tmp_path / "witness-bin")


@pytest.fixture
def watched_ctl(
    namespace: str, tmp_path: Path, kubeconfig: str, programs: ProgramLog
) -> Iterator[RunningController]:
    """The controller, with the logging git and ssh first on its PATH."""
    with controller(
        namespace,
        tmp_path / "ctl",
        kubeconfig=kubeconfig,
        reconcile_interval="3s",
        env={"PATH": programs.path_with()},
    ) as running:
        yield running


def _remote_traffic(programs: ProgramLog, marks: list[str]) -> list[str]:
    """Logged git/ssh invocations that name the remote (not the tenant's own repository)."""
    return [
        line
        for line in programs.lines()
        if line.startswith(("git ", "ssh ")) and any(mark in line for mark in marks)
    ]


@pytest.mark.parametrize(
    ("spelling", "marks"),
    [
        ("{server}/org/base.git//deploy?ref=main", ["{host}"]),
        ("tenant@{host_only}:org/base.git//deploy", ["tenant@", "{host_only}"]),
        ("github.com:owner/base", ["github.com"]),
    ],
    ids=["url", "scp-like", "github-shorthand"],
)
def test_a_remote_kustomize_base_is_never_fetched(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    server: tuple[str, RequestLog],
    programs: ProgramLog,
    watched_ctl: RunningController,
    spelling: str,
    marks: list[str],
) -> None:
    url, requests = server
    host = url.removeprefix("http://")
    fill = {"server": url, "host": host, "host_only": host.split(":")[0]}
    reference = spelling.format(**fill)
    repo = bare_repo(tmp_path, "tenant")
    repo.commit(
        {
            "app/kustomization.yaml": f"resources:\n  - local.yaml\n  - {reference}\n",
            "app/local.yaml": CONFIGMAP,
        },
        "a remote base",
    )
    source = {"repoURL": repo.url, "targetRevision": "main", "path": "app"}
    kubectl.apply(tenant_application("remote", namespace, source))

    message = refused_with(kubectl, namespace, "remote", "ComparisonError", "remote resource")
    assert reference in message
    assert requests.seen() == []
    assert _remote_traffic(programs, [m.format(**fill) for m in marks]) == []
    assert any(" ls-remote " in line for line in programs.lines()), "the witness saw no git"
    assert tracked_objects(kubectl, namespace) == []


def test_an_application_component_cannot_name_a_remote(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    programs: ProgramLog,
    watched_ctl: RunningController,
) -> None:
    repo = bare_repo(tmp_path, "tenant")
    repo.commit(
        {"app/kustomization.yaml": "resources: [local.yaml]\n", "app/local.yaml": CONFIGMAP}
    )
    kustomize = {"components": ["deploy@git.example.com:org/component.git"]}
    source = {"repoURL": repo.url, "targetRevision": "main", "path": "app", "kustomize": kustomize}
    kubectl.apply(tenant_application("remote", namespace, source))

    refused_with(kubectl, namespace, "remote", "ComparisonError", "remote resource")
    assert _remote_traffic(programs, ["git.example.com"]) == []
    assert tracked_objects(kubectl, namespace) == []


def test_a_chart_schema_cannot_fetch_a_url_or_read_a_host_file(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    server: tuple[str, RequestLog],
    watched_ctl: RunningController,
) -> None:
    url, requests = server
    schema = {
        "type": "object",
        "properties": {
            "a": {"$ref": f"{url}/schema.json"},
            "b": {"$ref": "etc/hostname"},  # Helm resolves this against file:///
        },
    }
    repo = bare_repo(tmp_path, "tenant")
    repo.commit(
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
            "chart/values.schema.json": json.dumps(schema),
            "chart/templates/cm.yaml": CONFIGMAP,
        }
    )
    source = {"repoURL": repo.url, "targetRevision": "main", "path": "chart"}
    kubectl.apply(tenant_application("schema", namespace, source))

    message = refused_with(kubectl, namespace, "schema", "ComparisonError", "values.schema.json")
    assert "points outside the schema" in message
    assert requests.seen() == []
    assert tracked_objects(kubectl, namespace) == []
