"""The CRDs against a real API server: they install, accept every example and every Argo CD
manifest after an apiVersion change, reject malformed resources naming the field, and serve
the status subresource and printer columns the CLI and people rely on."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.crds import CRD_NAMES, install_crds
from tests.support.kube import Kubectl, condition_true

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
GITOPSD_EXAMPLES = sorted(EXAMPLES.glob("*.yaml"))
ARGOCD_EXAMPLES = sorted((EXAMPLES / "argocd").glob("*.yaml"))
ARGOCD_API_VERSION = "argoproj.io/v1alpha1"
API_VERSION = "gitopsd.io/v1alpha1"

pytestmark = pytest.mark.usefixtures("crds")


@pytest.fixture(scope="session")
def crds(kubectl: Kubectl) -> None:
    install_crds(kubectl)


def _load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    return doc


def _dry_run(kubectl: Kubectl, namespace: str, doc: dict[str, Any]) -> Any:
    """Server-side dry-run apply (kubectl validates fields strictly) of one object."""
    return kubectl.result(
        "apply", "--dry-run=server", "-n", namespace, "-o", "json", "-f", "-", stdin=json.dumps(doc)
    )


def test_crds_are_established_with_structural_schemas(kubectl: Kubectl) -> None:
    assert CRD_NAMES == (
        "applications.gitopsd.io",
        "applicationsets.gitopsd.io",
        "appprojects.gitopsd.io",
    )
    for name in CRD_NAMES:
        crd = kubectl.get("customresourcedefinition", name)
        assert crd is not None
        assert condition_true(crd, "Established"), name
        assert condition_true(crd, "NamesAccepted"), name
        types = {cond["type"] for cond in crd["status"]["conditions"]}
        assert "NonStructuralSchema" not in types, name


def test_short_names_and_category_resolve(kubectl: Kubectl, namespace: str) -> None:
    for short in ("app", "apps", "appproj", "appprojs", "appset", "appsets", "gitopsd"):
        listed = kubectl.json("-n", namespace, "get", short)
        assert listed["items"] == [], short


@pytest.mark.parametrize("path", GITOPSD_EXAMPLES, ids=lambda p: p.name)
def test_example_is_accepted_without_losing_a_field(
    kubectl: Kubectl, namespace: str, path: Path
) -> None:
    doc = _load(path)
    done = _dry_run(kubectl, namespace, doc)
    assert done.returncode == 0, done.stderr
    # Nothing pruned, nothing defaulted: what the server would store is what we wrote.
    assert json.loads(done.stdout)["spec"] == doc["spec"]


@pytest.mark.parametrize("path", ARGOCD_EXAMPLES, ids=lambda p: p.name)
def test_argocd_manifest_is_accepted_after_changing_api_version(
    kubectl: Kubectl, namespace: str, path: Path
) -> None:
    doc = _load(path)
    assert doc["apiVersion"] == ARGOCD_API_VERSION
    doc["apiVersion"] = API_VERSION
    done = _dry_run(kubectl, namespace, doc)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["spec"] == doc["spec"]


def _parent(doc: dict[str, Any], path: str) -> tuple[Any, str]:
    """The container of the dotted ``path`` (``[n]`` indexes a list) and the last key."""
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        name, _, index = part.partition("[")
        node = node[name]
        if index:
            node = node[int(index.rstrip("]"))]
    return node, last


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        node, last = _parent(doc, path)
        node[last] = value

    return mutate


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        node, last = _parent(doc, path)
        del node[last]

    return mutate


@dataclass(frozen=True)
class Malformed:
    name: str
    example: str
    mutate: Callable[[dict[str, Any]], None]
    message: str  # the API server's words, naming the field


MALFORMED = (
    Malformed(
        "automated-prune-is-a-string",
        "application.yaml",
        _set("spec.syncPolicy.automated.prune", "yes"),
        "spec.syncPolicy.automated.prune in body must be of type boolean",
    ),
    Malformed(
        "destination-missing",
        "application.yaml",
        _delete("spec.destination"),
        "spec.destination: Required value",
    ),
    Malformed(
        "project-missing",
        "application.yaml",
        _delete("spec.project"),
        "spec.project: Required value",
    ),
    Malformed(
        "spec-missing",
        "application.yaml",
        _delete("spec"),
        "spec: Required value",
    ),
    Malformed(
        "repo-url-is-a-number",
        "application.yaml",
        _set("spec.source.repoURL", 42),
        "spec.source.repoURL in body must be of type string",
    ),
    Malformed(
        "repo-url-missing",
        "application.yaml",
        _delete("spec.source.repoURL"),
        "spec.source.repoURL: Required value",
    ),
    Malformed(
        "revision-history-limit-is-a-string",
        "application.yaml",
        _set("spec.revisionHistoryLimit", "ten"),
        "spec.revisionHistoryLimit in body must be of type integer",
    ),
    Malformed(
        "unknown-sync-policy-field",
        "application.yaml",
        _set("spec.syncPolicy.autoSync", {"prune": True}),
        'unknown field "spec.syncPolicy.autoSync"',
    ),
    Malformed(
        "sync-options-is-a-string",
        "application.yaml",
        _set("spec.syncPolicy.syncOptions", "CreateNamespace=true"),
        "spec.syncPolicy.syncOptions in body must be of type array",
    ),
    Malformed(
        "replicas-count-is-a-boolean",
        "application.yaml",
        _set("spec.source.kustomize.replicas", [{"name": "guestbook", "count": True}]),
        "spec.source.kustomize.replicas[0].count",
    ),
    Malformed(
        "ignore-differences-without-kind",
        "application.yaml",
        _set("spec.ignoreDifferences", [{"group": "apps", "jsonPointers": ["/spec/replicas"]}]),
        "spec.ignoreDifferences[0].kind: Required value",
    ),
    Malformed(
        "sync-window-kind-unknown",
        "appproject.yaml",
        _set("spec.syncWindows[0].kind", "block"),
        'spec.syncWindows[0].kind: Unsupported value: "block"',
    ),
    Malformed(
        "applications-sync-policy-unknown",
        "applicationset-matrix.yaml",
        _set("spec.syncPolicy.applicationsSync", "upsert"),
        'spec.syncPolicy.applicationsSync: Unsupported value: "upsert"',
    ),
    Malformed(
        "git-generator-without-revision",
        "applicationset.yaml",
        _delete("spec.generators[0].git.revision"),
        "spec.generators[0].git.revision: Required value",
    ),
    Malformed(
        "template-missing",
        "applicationset.yaml",
        _delete("spec.template"),
        "spec.template: Required value",
    ),
)


@pytest.mark.parametrize("case", MALFORMED, ids=lambda case: case.name)
def test_malformed_resource_is_rejected_naming_the_field(
    kubectl: Kubectl, namespace: str, case: Malformed
) -> None:
    doc = _load(EXAMPLES / case.example)
    case.mutate(doc)
    done = _dry_run(kubectl, namespace, doc)
    assert done.returncode != 0, f"accepted: {json.dumps(doc)}"
    assert case.message in done.stderr


def _create(kubectl: Kubectl, namespace: str, example: str) -> str:
    doc = _load(EXAMPLES / example)
    kubectl.run("create", "-n", namespace, "-f", "-", stdin=json.dumps(doc))
    name: str = doc["metadata"]["name"]
    return name


def _columns(kubectl: Kubectl, namespace: str, kind: str, name: str) -> dict[str, str]:
    """The default table kubectl prints for one object, as {HEADER: value}."""
    header, row = kubectl.run("-n", namespace, "get", kind, name).splitlines()
    return dict(zip(header.split(), row.split(), strict=True))


def test_application_status_is_a_subresource_shown_in_printer_columns(
    kubectl: Kubectl, namespace: str
) -> None:
    name = _create(kubectl, namespace, "application.yaml")
    status = {
        "sync": {"status": "Synced", "revision": "4f2a9c1"},
        "health": {"status": "Healthy"},
        "operationState": {"phase": "Succeeded", "syncResult": {"revision": "4f2a9c1"}},
        "reconciledAt": "2026-01-01T00:00:00Z",
        "shardHint": "0",  # unknown to the schema: kept, so the controller can grow status
    }

    # Writing status through the main resource is ignored...
    kubectl.run(
        "-n", namespace, "patch", "app", name, "--type=merge", "-p", json.dumps({"status": status})
    )
    assert "status" not in (kubectl.get("-n", namespace, "app", name) or {})

    # ...and through the status subresource it is stored as written.
    kubectl.run(
        "-n",
        namespace,
        "patch",
        "app",
        name,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": status}),
    )
    stored = kubectl.get("-n", namespace, "app", name)
    assert stored is not None
    assert stored["status"] == status
    columns = _columns(kubectl, namespace, "app", name)
    assert list(columns) == ["NAME", "SYNC", "HEALTH", "REVISION", "AGE"]
    assert (columns["SYNC"], columns["HEALTH"], columns["REVISION"]) == (
        "Synced",
        "Healthy",
        "4f2a9c1",
    )


def test_application_set_shows_whether_its_applications_are_up_to_date(
    kubectl: Kubectl, namespace: str
) -> None:
    name = _create(kubectl, namespace, "applicationset.yaml")
    condition = {
        "type": "ResourcesUpToDate",
        "status": "True",
        "reason": "ApplicationSetUpToDate",
        "message": "All applications have been generated successfully",
        "lastTransitionTime": "2026-01-01T00:00:00Z",
    }
    kubectl.run(
        "-n",
        namespace,
        "patch",
        "appset",
        name,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": {"conditions": [condition]}}),
    )
    columns = _columns(kubectl, namespace, "appset", name)
    assert list(columns) == ["NAME", "UPTODATE", "AGE"]
    assert columns["UPTODATE"] == "True"
