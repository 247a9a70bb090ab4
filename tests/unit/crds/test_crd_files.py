"""The CRD files in ``crds/``: names, printer columns, status subresource, structural
schemas, and the Argo CD field names and types the schemas promise (golden file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
CRD_DIR = REPO / "crds"
TESTDATA = Path(__file__).parent / "testdata"

NAMES = {
    "applications.gitopsd.io": ("Application", "applications", ["app", "apps"]),
    "appprojects.gitopsd.io": ("AppProject", "appprojects", ["appproj", "appprojs"]),
    "applicationsets.gitopsd.io": ("ApplicationSet", "applicationsets", ["appset", "appsets"]),
}


def _crd(name: str) -> dict[str, Any]:
    docs = list(yaml.safe_load_all((CRD_DIR / f"{name}.yaml").read_text()))
    assert len(docs) == 1, f"{name}: one CRD per file"
    crd: dict[str, Any] = docs[0]
    return crd


def _version(name: str) -> dict[str, Any]:
    versions: list[dict[str, Any]] = _crd(name)["spec"]["versions"]
    assert len(versions) == 1
    return versions[0]


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = _version(name)["schema"]["openAPIV3Schema"]
    return schema


def test_there_is_one_file_per_crd() -> None:
    assert sorted(p.stem for p in CRD_DIR.glob("*.yaml")) == sorted(NAMES)
    assert [p.name for p in CRD_DIR.iterdir() if p.suffix != ".yaml"] == []


@pytest.mark.parametrize("name", sorted(NAMES))
def test_crd_is_named_namespaced_and_has_a_status_subresource(name: str) -> None:
    kind, plural, short_names = NAMES[name]
    crd = _crd(name)
    assert crd["apiVersion"] == "apiextensions.k8s.io/v1"
    assert crd["kind"] == "CustomResourceDefinition"
    assert crd["metadata"]["name"] == name
    spec = crd["spec"]
    assert spec["group"] == "gitopsd.io"
    assert spec["scope"] == "Namespaced"
    assert spec["names"]["kind"] == kind
    assert spec["names"]["plural"] == plural
    assert spec["names"]["singular"] == kind.lower()
    assert spec["names"]["shortNames"] == short_names
    version = _version(name)
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert version["subresources"] == {"status": {}}
    assert version["additionalPrinterColumns"][-1] == {
        "name": "Age",
        "type": "date",
        "jsonPath": ".metadata.creationTimestamp",
    }


def test_application_columns_show_sync_health_and_revision() -> None:
    columns = [
        (c["name"], c["jsonPath"], c.get("priority", 0))
        for c in _version("applications.gitopsd.io")["additionalPrinterColumns"]
    ]
    assert columns == [
        ("Sync", ".status.sync.status", 0),
        ("Health", ".status.health.status", 0),
        ("Revision", ".status.sync.revision", 0),
        ("Project", ".spec.project", 1),
        ("Replica", ".status.controller.replica", 1),  # with sharding: who reconciles it
        ("Age", ".metadata.creationTimestamp", 0),
    ]


def _nodes(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema node with its path (``a.b`` for properties, ``a[]`` for items)."""
    yield path, schema
    for key, child in (schema.get("properties") or {}).items():
        yield from _nodes(child, f"{path}.{key}" if path else key)
    if "items" in schema:
        yield from _nodes(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _nodes(schema["additionalProperties"], f"{path}{{}}")


def _type(node: dict[str, Any]) -> str:
    if node.get("x-kubernetes-int-or-string"):
        return "int-or-string"
    if node.get("x-kubernetes-preserve-unknown-fields"):
        return "open"
    if node.get("type") == "object" and "additionalProperties" in node:
        return "map"
    return str(node.get("type"))


@pytest.mark.parametrize("name", sorted(NAMES))
def test_schema_is_structural(name: str) -> None:
    """What the API server requires of a structural schema, checked before a cluster is."""
    for path, node in _nodes(_schema(name)):
        assert node.get("type") or node.get("x-kubernetes-int-or-string"), f"{path}: no type"
        assert "$ref" not in node and "anyOf" not in node, path
        if "properties" in node:
            assert "additionalProperties" not in node, path
        if node.get("type") == "array":
            assert "items" in node, f"{path}: array without items"
        for required in node.get("required", []):
            assert required in node["properties"], f"{path}: requires unknown {required}"


def test_every_field_argocd_manifests_use_keeps_its_type() -> None:
    golden = yaml.safe_load((TESTDATA / "argocd-compatible-fields.yaml").read_text())
    assert sorted(golden) == sorted(NAMES)
    for name, fields in golden.items():
        actual = {path: _type(node) for path, node in _nodes(_schema(name))}
        wrong = {
            path: (want, actual.get(path, "missing"))
            for path, want in fields.items()
            if actual.get(path) != want
        }
        assert wrong == {}, f"{name}: field -> (wanted, found)"


def test_required_fields_match_argocd() -> None:
    app = _schema("applications.gitopsd.io")
    assert app["required"] == ["spec"]
    assert app["properties"]["spec"]["required"] == ["destination", "project"]
    assert app["properties"]["spec"]["properties"]["source"]["required"] == ["repoURL"]
    appset = _schema("applicationsets.gitopsd.io")
    assert appset["properties"]["spec"]["required"] == ["generators", "template"]


def test_every_copy_of_the_source_schema_is_the_same() -> None:
    """``source``, ``sources[]`` and the sync operation's copies must not drift apart."""
    props = _schema("applications.gitopsd.io")["properties"]
    source = props["spec"]["properties"]["source"]
    sync = props["operation"]["properties"]["sync"]["properties"]
    assert props["spec"]["properties"]["sources"]["items"] == source
    assert sync["source"] == source
    assert sync["sources"]["items"] == source


def test_nested_generators_repeat_the_top_level_ones_except_matrix_and_merge() -> None:
    generator = _schema("applicationsets.gitopsd.io")["properties"]["spec"]["properties"][
        "generators"
    ]["items"]["properties"]
    for combinator in ("matrix", "merge"):
        nested = generator[combinator]["properties"]["generators"]["items"]["properties"]
        assert sorted(nested) == sorted(generator)
        for kind in sorted(set(generator) - {"matrix", "merge"}):
            assert nested[kind] == generator[kind], f"{combinator}.{kind}"
        assert _type(nested["matrix"]) == _type(nested["merge"]) == "open"
