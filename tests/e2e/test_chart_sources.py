"""Stories of the sources people have, against the real control plane: charts from an
HTTPS chart repository with basic auth and from the CNCF distribution registry (TLS,
htpasswd), chart dependencies, values from Git for a chart (multi-source), Jsonnet, and
config management plugins. The repository or registry runs on 127.0.0.1 in this process;
the controller is a real ``gitopsd run``."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.charts import (
    ChartServer,
    chart_server,
    index,
    make_chart,
    package,
    registry,
    sha256_of,
    tls_files,
)
from tests.support.cli import gitopsd
from tests.support.controller import RunningController
from tests.support.gitserver import bare_repo
from tests.support.kube import Kubectl

pytestmark = pytest.mark.usefixtures("crds")
USER, PASSWORD = "chart-reader", "pa55-for-charts"


def _app(name: str, namespace: str, spec: dict[str, Any]) -> str:
    body = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "project": "default",
            "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
            **spec,
        },
    }
    return yaml.safe_dump(body)


def _repo_secret(namespace: str, name: str, data: dict[str, str]) -> str:
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace,
                     "labels": {"gitopsd.io/secret-type": "repository"}},
        "stringData": {"type": "helm", **data},
    })  # fmt: skip


def _status(kubectl: Kubectl, namespace: str, name: str) -> dict[str, Any]:
    app = kubectl.get("applications.gitopsd.io", "-n", namespace, name) or {}
    status: dict[str, Any] = app.get("status") or {}
    return status


def _wait(kubectl: Kubectl, namespace: str, name: str, what: str, test: Any,
          timeout: float = 90) -> dict[str, Any]:  # fmt: skip
    def ready() -> dict[str, Any] | None:
        status = _status(kubectl, namespace, name)
        return status if test(status) else None

    found: dict[str, Any] = kubectl.wait_for(ready, timeout=timeout, what=f"{name}: {what}")
    return found


def _synced(status: dict[str, Any]) -> bool:
    return (status.get("sync") or {}).get("status") == "Synced" and (
        status.get("health") or {}
    ).get("status") == "Healthy"


def _comparison_error(fragment: str) -> Any:
    def test(status: dict[str, Any]) -> bool:
        return any(
            c.get("type") == "ComparisonError" and fragment in c.get("message", "")
            for c in status.get("conditions") or []
        )

    return test


def _data(kubectl: Kubectl, namespace: str, name: str) -> dict[str, str] | None:
    found = kubectl.get("configmap", "-n", namespace, name)
    return None if found is None else dict(found.get("data") or {})


@pytest.fixture
def https_repo(tmp_path: Path) -> Iterator[ChartServer]:
    """hello 1.1.0 and 1.2.0 (and a 2.0.0) over HTTPS with basic auth."""
    out = tmp_path / "charts"
    for version in ("1.1.0", "1.2.0", "2.0.0"):
        package(make_chart(tmp_path / "src", "hello", version), out)
    tls = tls_files(tmp_path / "tls")
    with chart_server(out, username=USER, password=PASSWORD, tls=tls) as server:
        index(out, server.url)
        yield server


def _https_secret(namespace: str, server: ChartServer) -> str:
    assert server.tls is not None
    return _repo_secret(namespace, "charts", {
        "url": server.url, "username": USER, "password": PASSWORD,
        "tlsCACertData": server.tls[0].read_text(),
    })  # fmt: skip


def test_a_chart_from_a_repository_upgrades_rolls_back_and_survives_an_outage(
    namespace: str,
    kubeconfig: str,
    kubectl: Kubectl,
    ctl: RunningController,
    https_repo: ChartServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kubectl.apply(_https_secret(namespace, https_repo))
    source = {"repoURL": https_repo.url, "chart": "hello", "targetRevision": ">=1.0 <2.0"}
    kubectl.apply(_app("hello", namespace, {"source": source}))
    common = ("--kubeconfig", kubeconfig, "-n", namespace)

    # The constraint picks the newest match; the revision is version@archive digest.
    code, out, err = gitopsd(capsys, "app", "sync", "hello", *common, "--timeout", "120")
    assert code == 0, out + err
    status = _wait(kubectl, namespace, "hello", "Synced/Healthy", _synced)
    digest = sha256_of(Path(https_repo.root) / "hello-1.2.0.tgz")
    assert status["sync"]["revision"] == f"1.2.0@{digest}"
    assert (_data(kubectl, namespace, "hello-hello") or {})["chartVersion"] == "1.2.0"

    # Pinning an older version and syncing changes the deployment; history keeps both.
    kubectl.run("patch", "applications.gitopsd.io", "-n", namespace, "hello", "--type=merge",
                "-p", json.dumps({"spec": {"source": {"targetRevision": "1.1.0"}}}))  # fmt: skip
    code, out, err = gitopsd(capsys, "app", "sync", "hello", *common, "--timeout", "120")
    assert code == 0, out + err
    assert (_data(kubectl, namespace, "hello-hello") or {})["chartVersion"] == "1.1.0"
    history = _status(kubectl, namespace, "hello")["history"]
    assert [h["revision"].partition("@")[0] for h in history] == ["1.2.0", "1.1.0"]

    # Rolling back to history entry 0 brings 1.2.0 back, byte for byte.
    code, out, err = gitopsd(capsys, "app", "rollback", "hello", "0", *common)
    assert code == 0, out + err
    assert (_data(kubectl, namespace, "hello-hello") or {})["chartVersion"] == "1.2.0"
    history = _status(kubectl, namespace, "hello")["history"]
    assert history[-1]["revision"] == f"1.2.0@{digest}"

    # With the repository down, a refresh reports why and prunes nothing.
    automated = {"spec": {"syncPolicy": {"automated": {"prune": True}}}}
    kubectl.run("patch", "applications.gitopsd.io", "-n", namespace, "hello", "--type=merge",
                "-p", json.dumps(automated))  # fmt: skip
    https_repo.stop()
    kubectl.run("annotate", "applications.gitopsd.io", "-n", namespace, "hello",
                "gitopsd.io/refresh=normal", "--overwrite")  # fmt: skip
    status = _wait(kubectl, namespace, "hello", "the outage reported",
                   _comparison_error("connection refused"))  # fmt: skip
    assert _data(kubectl, namespace, "hello-hello") is not None
    assert status["resources"], "the inventory is kept while the source cannot be read"
    assert PASSWORD not in json.dumps(status) and PASSWORD not in ctl.log()


def test_a_wrong_version_and_a_tampered_archive_are_refused(
    namespace: str, kubectl: Kubectl, ctl: RunningController, tmp_path: Path
) -> None:
    out = tmp_path / "charts"
    package(make_chart(tmp_path / "src", "hello", "1.0.0"), out)
    with chart_server(out) as server:
        index(out, server.url)
        evil_chart = make_chart(tmp_path / "evil", "hello", "1.0.0", configmap_data={"x": "y"})
        evil = package(evil_chart, tmp_path / "evil-out")
        shutil.copyfile(evil, out / "hello-1.0.0.tgz")  # the index keeps the true digest
        for name, revision in (("wrong", "9.9.9"), ("tampered", "1.0.0")):
            source = {"repoURL": server.url, "chart": "hello", "targetRevision": revision}
            kubectl.apply(_app(name, namespace, {"source": source,
                                                 "syncPolicy": {"automated": {}}}))  # fmt: skip
        _wait(kubectl, namespace, "wrong", "no such version",
              _comparison_error("no version matches '9.9.9'"))  # fmt: skip
        _wait(kubectl, namespace, "tampered", "digest mismatch",
              _comparison_error("digest mismatch"))  # fmt: skip
    assert _data(kubectl, namespace, "tampered-hello") is None
    assert _data(kubectl, namespace, "wrong-hello") is None


def test_an_oci_chart_and_a_git_chart_with_an_oci_dependency(
    namespace: str, kubectl: Kubectl, ctl: RunningController, tmp_path: Path
) -> None:
    with registry(tmp_path / "registry") as oci:
        for name in ("hello", "postgresql"):
            oci.push(package(make_chart(tmp_path / "src", name, "1.0.0"), tmp_path / "out"))
        kubectl.apply(_repo_secret(namespace, "registry", {
            "url": f"{oci.host}/charts", "enableOCI": "true", "username": oci.username,
            "password": oci.password, "tlsCACertData": oci.cert.read_text(),
        }))  # fmt: skip
        source = {"repoURL": f"{oci.host}/charts", "chart": "hello", "targetRevision": "1.*"}
        kubectl.apply(_app("oci", namespace, {"source": source,
                                              "syncPolicy": {"automated": {}}}))  # fmt: skip
        status = _wait(kubectl, namespace, "oci", "Synced/Healthy", _synced)
        version, _, digest = status["sync"]["revision"].partition("@")
        assert version == "1.0.0" and digest.startswith("sha256:")

        repo = bare_repo(tmp_path, "app")
        chart = {
            "apiVersion": "v2",
            "name": "app",
            "version": "0.1.0",
            "dependencies": [
                {"name": "postgresql", "version": "1.x", "repository": f"oci://{oci.host}/charts"}
            ],
        }
        repo.commit({
            "chart/Chart.yaml": yaml.safe_dump(chart),
            "chart/values.yaml": "postgresql:\n  greeting: from-the-parent\n",
        }, "a chart with a dependency")  # fmt: skip
        source = {"repoURL": repo.url, "path": "chart", "targetRevision": "main"}
        kubectl.apply(_app("deps", namespace, {"source": source,
                                               "syncPolicy": {"automated": {}}}))  # fmt: skip
        _wait(kubectl, namespace, "deps", "Synced/Healthy", _synced)
    assert (_data(kubectl, namespace, "deps-postgresql") or {})["greeting"] == "from-the-parent"


def test_values_from_git_for_a_chart_and_a_commit_redeploys(
    namespace: str, kubectl: Kubectl, ctl: RunningController, tmp_path: Path
) -> None:
    out = tmp_path / "charts"
    package(make_chart(tmp_path / "src", "hello", "1.0.0"), out)
    values = bare_repo(tmp_path, "values")
    first = values.commit({"prod/values.yaml": "greeting: first\n"}, "values")
    with chart_server(out) as server:
        index(out, server.url)
        sources = [
            {"repoURL": server.url, "chart": "hello", "targetRevision": "1.0.0",
             "helm": {"valueFiles": ["$values/prod/values.yaml"]}},
            {"repoURL": values.url, "targetRevision": "main", "ref": "values"},
        ]  # fmt: skip
        kubectl.apply(_app("multi", namespace, {"sources": sources,
                                                "syncPolicy": {"automated": {}}}))  # fmt: skip
        status = _wait(kubectl, namespace, "multi", "Synced/Healthy", _synced)
        assert status["sync"]["revisions"][1] == first
        assert (_data(kubectl, namespace, "multi-hello") or {})["greeting"] == "first"
        second = values.commit({"prod/values.yaml": "greeting: second\n"}, "new values")
        kubectl.wait_for(
            lambda: (_data(kubectl, namespace, "multi-hello") or {}).get("greeting") == "second",
            timeout=90, what="the values commit deployed",
        )  # fmt: skip
        status = _wait(kubectl, namespace, "multi", "history of both syncs",
                       lambda s: len(s.get("history") or []) == 2)  # fmt: skip
    assert [h["revisions"][1] for h in status["history"]] == [first, second]
    assert status["history"][0]["revisions"][0].startswith("1.0.0@sha256:")


def test_a_jsonnet_app_with_top_level_arguments(
    namespace: str, kubectl: Kubectl, ctl: RunningController, tmp_path: Path
) -> None:
    repo = bare_repo(tmp_path, "jsonnet")
    repo.commit({
        "app/main.jsonnet": "local cm = import 'lib/cm.libsonnet';\n"
                            "function(colour, count) [cm('settings', colour, count)]\n",
        "app/lib/cm.libsonnet": "function(name, colour, count) {apiVersion: 'v1', "
                                "kind: 'ConfigMap', metadata: {name: name},"
                                " data: {colour: colour, count: std.toString(count * 2)}}\n",
    }, "jsonnet app")  # fmt: skip
    source = {"repoURL": repo.url, "path": "app", "targetRevision": "main", "directory": {
        "jsonnet": {"tlas": [{"name": "colour", "value": "teal"},
                             {"name": "count", "value": "21", "code": True}]}}}  # fmt: skip
    kubectl.apply(_app("jn", namespace, {"source": source, "syncPolicy": {"automated": {}}}))
    _wait(kubectl, namespace, "jn", "Synced/Healthy", _synced)
    assert _data(kubectl, namespace, "settings") == {"colour": "teal", "count": "42"}


PLUGIN = """
- apiVersion: argoproj.io/v1alpha1
  kind: ConfigManagementPlugin
  metadata: {name: greeter}
  spec:
    generate:
      command: [sh, -c]
      args:
        - >-
          printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: greeting\\n"
          && printf "data:\\n  app: %s\\n  word: %s\\n" "$ARGOCD_APP_NAME" "$ARGOCD_ENV_WORD"
"""


def test_a_plugin_app_renders_when_enabled_and_is_a_clear_error_when_not(
    namespace: str, kubectl: Kubectl, ctl: RunningController, tmp_path: Path
) -> None:
    repo = bare_repo(tmp_path, "plugin")
    repo.commit({"app/input.txt": "hello\n"}, "plugin input")
    source = {
        "repoURL": repo.url,
        "path": "app",
        "targetRevision": "main",
        "plugin": {"name": "greeter", "env": [{"name": "WORD", "value": "bonjour"}]},
    }
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "gitopsd-cm", "namespace": namespace},
        "data": {"plugins.enabled": "false", "configManagementPlugins": PLUGIN},
    }
    kubectl.apply(yaml.safe_dump(configmap))
    kubectl.apply(_app("plug", namespace, {"source": source, "syncPolicy": {"automated": {}}}))
    _wait(kubectl, namespace, "plug", "plugins disabled",
          _comparison_error("config management plugins are disabled"))  # fmt: skip
    assert _data(kubectl, namespace, "greeting") is None

    configmap["data"]["plugins.enabled"] = "true"
    kubectl.apply(yaml.safe_dump(configmap))
    _wait(kubectl, namespace, "plug", "Synced/Healthy", _synced)
    assert _data(kubectl, namespace, "greeting") == {"app": "plug", "word": "bonjour"}
