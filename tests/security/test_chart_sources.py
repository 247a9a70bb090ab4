"""Attacks through the new sources, each refused with nothing fetched and nothing written:

- a tenant whose AppProject allows only its own Git repository names another team's
  private chart repository as a Helm dependency, or in a kustomization's ``helmCharts``,
  hoping the controller fetches it with that team's credentials;
- a Jsonnet file imports a file of the controller's host by an absolute path or by
  climbing out of the checkout;
- an Application asks for a config management plugin the administrator never enabled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.appsets import APPS, IN_CLUSTER
from tests.support.charts import chart_server, index, make_chart, package
from tests.support.controller import RunningController
from tests.support.gitserver import bare_repo
from tests.support.kube import Kubectl
from tests.support.tenant import refused_with, tracked_objects, written_objects

PLANTED = "PLANTED-HOST-FILE-5d1e"


def _app(name: str, namespace: str, source: dict[str, Any], project: str = "default") -> str:
    return yaml.safe_dump({
        "apiVersion": "gitopsd.io/v1alpha1", "kind": "Application",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"project": project, "source": source,
                 "destination": {"server": IN_CLUSTER, "namespace": namespace},
                 "syncPolicy": {"automated": {"prune": True}}},
    })  # fmt: skip


def test_a_chart_repository_outside_the_project_is_never_fetched(
    namespace: str, kubectl: Kubectl, ctl: RunningController, tmp_path: Path
) -> None:
    out = tmp_path / "private-charts"
    package(make_chart(tmp_path / "src", "payroll", "1.0.0"), out)
    with chart_server(out, username="team-b", password="team-b-password") as private:
        index(out, private.url)
        kubectl.apply(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "team-b-charts", "namespace": namespace,
                         "labels": {"gitopsd.io/secret-type": "repository"}},
            "stringData": {"type": "helm", "url": private.url, "username": "team-b",
                           "password": "team-b-password"},
        }))  # fmt: skip
        repo = bare_repo(tmp_path, "tenant")
        chart = {
            "apiVersion": "v2",
            "name": "front",
            "version": "0.1.0",
            "dependencies": [{"name": "payroll", "version": "1.0.0", "repository": private.url}],
        }
        kustomization = {
            "helmCharts": [
                {"name": "payroll", "repo": private.url, "version": "1.0.0", "releaseName": "p"}
            ]
        }
        repo.commit({"chart/Chart.yaml": yaml.safe_dump(chart),
                     "kust/kustomization.yaml": yaml.safe_dump(kustomization)},
                    "borrow team B's charts")  # fmt: skip
        kubectl.apply(yaml.safe_dump({
            "apiVersion": "gitopsd.io/v1alpha1", "kind": "AppProject",
            "metadata": {"name": "team-a", "namespace": namespace},
            "spec": {"sourceRepos": [repo.url],
                     "destinations": [{"server": IN_CLUSTER, "namespace": namespace}]},
        }))  # fmt: skip
        for name, path in (("dep", "chart"), ("kust", "kust")):
            source = {"repoURL": repo.url, "path": path, "targetRevision": "main"}
            kubectl.apply(_app(name, namespace, source, project="team-a"))
        for name in ("dep", "kust"):
            message = refused_with(kubectl, namespace, name, "ComparisonError", "team-a")
            assert "not permitted in project team-a" in message
            assert "nothing was fetched" in message
        assert private.requests == []  # not even the index was asked for
    assert "payroll" not in written_objects(kubectl, namespace)


def test_jsonnet_cannot_read_the_controllers_files(
    namespace: str, kubectl: Kubectl, ctl: RunningController, tmp_path: Path
) -> None:
    planted = tmp_path / "planted.txt"
    planted.write_text(PLANTED)
    repo = bare_repo(tmp_path, "jsonnet")
    # The checkout is <cache>/git/checkouts/<sha>/app: climbing six levels reaches tmp_path.
    climbing = "../" * 6 + "planted.txt"
    repo.commit({
        "absolute/main.jsonnet": f"[{{apiVersion: 'v1', kind: 'ConfigMap', metadata: "
                                 f"{{name: 'a'}}, data: {{x: importstr '{planted}'}}}}]",
        "climbing/main.jsonnet": f"[{{apiVersion: 'v1', kind: 'ConfigMap', metadata: "
                                 f"{{name: 'b'}}, data: {{x: importstr '{climbing}'}}}}]",
    }, "read the host")  # fmt: skip
    for name in ("absolute", "climbing"):
        source = {"repoURL": repo.url, "path": name, "targetRevision": "main"}
        kubectl.apply(_app(name, namespace, source))
    refused_with(kubectl, namespace, "absolute", "ComparisonError", "absolute imports")
    refused_with(kubectl, namespace, "climbing", "ComparisonError", "not found in the repo")
    # The climb does reach the planted file from the checkout: only the callback stops it.
    checkouts = list((tmp_path / "ctl" / "cache" / "git" / "checkouts").glob("*/climbing"))
    assert checkouts and (checkouts[0] / climbing).resolve() == planted.resolve()
    written = written_objects(kubectl, namespace)
    assert PLANTED not in written and '"a"' not in written
    for name in ("absolute", "climbing"):
        status = kubectl.get(APPS, "-n", namespace, name) or {}
        assert PLANTED not in json.dumps(status)
    assert PLANTED not in ctl.log()


def test_a_plugin_the_administrator_did_not_enable_never_runs(
    namespace: str, kubectl: Kubectl, ctl: RunningController, tmp_path: Path
) -> None:
    repo = bare_repo(tmp_path, "plugin")
    repo.commit({"app/x.txt": "x\n"}, "wants a plugin")
    source = {"repoURL": repo.url, "path": "app", "targetRevision": "main",
              "plugin": {"name": "anything"}}  # fmt: skip
    kubectl.apply(_app("plug", namespace, source))
    message = refused_with(kubectl, namespace, "plug", "ComparisonError", "plugins are disabled")
    assert "plugins.enabled" in message
    assert tracked_objects(kubectl, namespace) == []


pytestmark = pytest.mark.usefixtures("crds")
