"""The OpenAPI document describes exactly the routes the server has."""

from __future__ import annotations

from gitopsd.server.api.app import build_app
from gitopsd.server.api.openapi import openapi_document, openapi_path
from gitopsd.server.api.routes import ROUTES
from tests.unit.server.fakes import Harness


def test_every_route_is_described_and_nothing_else() -> None:
    app = build_app(Harness([]).ctx)
    served = {
        (route.method.lower(), openapi_path(route.resource.canonical))
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    document = openapi_document(ROUTES)
    described = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert served == described
    assert ("post", "/api/v1/applications/{name}/sync") in described


def test_operations_name_their_parameters_and_rights() -> None:
    document = openapi_document(ROUTES)
    sync = document["paths"]["/api/v1/applications/{name}/sync"]["post"]
    assert sync["x-gitopsd-rbac"] == "applications sync"
    assert {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}} in sync[
        "parameters"
    ]
    assert sync["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApplicationSyncRequest"
    }
    session = document["paths"]["/api/v1/session"]["post"]
    assert session["security"] == []
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for schema in _refs(operation):
                assert schema.split("/")[-1] in document["components"]["schemas"], path


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []
