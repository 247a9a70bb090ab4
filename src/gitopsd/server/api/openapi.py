"""The OpenAPI 3 document, generated from the route table (:data:`routes.ROUTES`).

Paths, methods, path and query parameters and request bodies come from the table, so the
document describes exactly the routes the server has. Schemas are hand-written and
small: Applications and the other resources are the Kubernetes objects, described by the
CRDs in ``crds/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import gitopsd

if TYPE_CHECKING:
    from gitopsd.server.api.routes import Route

_OBJECT: dict[str, Any] = {"type": "object", "additionalProperties": True}
_STR: dict[str, Any] = {"type": "string"}
_BOOL: dict[str, Any] = {"type": "boolean"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "properties": {"error": _STR, "code": {"type": "integer"}, "message": _STR},
    },
    "SessionCreateRequest": {
        "type": "object",
        "required": ["username", "password"],
        "properties": {"username": _STR, "password": {"type": "string", "format": "password"}},
    },
    "SessionResponse": {"type": "object", "properties": {"token": _STR}},
    "PasswordUpdateRequest": {
        "type": "object",
        "required": ["currentPassword", "newPassword"],
        "properties": {
            "name": _STR,
            "currentPassword": {"type": "string", "format": "password"},
            "newPassword": {"type": "string", "format": "password"},
        },
    },
    "UserInfo": {
        "type": "object",
        "properties": {
            "loggedIn": _BOOL,
            "username": _STR,
            "iss": _STR,
            "groups": {"type": "array", "items": _STR},
        },
    },
    "Application": {**_OBJECT, "description": "An Application (gitopsd.io/v1alpha1)"},
    "ApplicationList": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Application"}},
            "metadata": {"type": "object", "properties": {"resourceVersion": _STR}},
        },
    },
    "SyncResource": {
        "type": "object",
        "required": ["kind", "name"],
        "properties": {"group": _STR, "kind": _STR, "namespace": _STR, "name": _STR},
    },
    "ApplicationSyncRequest": {
        "type": "object",
        "properties": {
            "revision": _STR,
            "prune": _BOOL,
            "dryRun": _BOOL,
            "resources": {"type": "array", "items": {"$ref": "#/components/schemas/SyncResource"}},
            "syncOptions": {
                "type": "object",
                "properties": {"items": {"type": "array", "items": _STR}},
            },
            "strategy": _OBJECT,
        },
    },
    "ApplicationRollbackRequest": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "prune": _BOOL, "dryRun": _BOOL},
    },
    "ApplicationSpecPatch": {
        "type": "object",
        "description": "A JSON merge patch of spec; only syncPolicy.automated is accepted",
        "properties": {
            "syncPolicy": {
                "type": "object",
                "properties": {
                    "automated": {
                        "type": "object",
                        "properties": {
                            "enabled": _BOOL,
                            "prune": _BOOL,
                            "selfHeal": _BOOL,
                            "allowEmpty": _BOOL,
                        },
                    }
                },
            }
        },
    },
    "Settings": {
        "type": "object",
        "properties": {
            "url": _STR,
            "userLoginsDisabled": _BOOL,
            "oidcConfig": {
                "type": "object",
                "description": "Present when SSO is configured (never the client secret)",
                "properties": {
                    "name": _STR,
                    "issuer": _STR,
                    "clientID": _STR,
                    "cliClientID": _STR,
                    "scopes": {"type": "array", "items": _STR},
                    "idTokenClaims": _OBJECT,
                    "enablePKCEAuthentication": _BOOL,
                },
            },
        },
    },
    "TokenCreateRequest": {
        "type": "object",
        "properties": {
            "expiresIn": {"type": "integer", "description": "seconds; 0 or absent: never"},
            "id": _STR,
        },
    },
    "TokenResponse": {"type": "object", "properties": {"token": _STR}},
    "RepositoryCreateRequest": {
        "type": "object",
        "required": ["repo"],
        "properties": {
            "repo": _STR,
            "type": _STR,
            "name": _STR,
            "project": _STR,
            "username": _STR,
            "password": {"type": "string", "format": "password"},
            "sshPrivateKey": {"type": "string", "format": "password"},
            "insecure": _BOOL,
        },
    },
    "ApplicationTree": {
        "type": "object",
        "properties": {"nodes": {"type": "array", "items": _OBJECT}},
    },
}

_PARAM = re.compile(r"{(\w+)(?::[^}]*)?}")


def openapi_path(path: str) -> str:
    """aiohttp's ``{path:.*}`` becomes OpenAPI's ``{path}``."""
    return _PARAM.sub(lambda m: "{" + m.group(1) + "}", path)


def _response(route: Route) -> dict[str, Any]:
    if route.response == "redirect":
        return {
            "303": {"description": "See Other: the browser goes on to Location"},
            "default": {
                "description": "An error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        }
    if route.response == "stream":
        content = {"text/event-stream": {"schema": _STR}}
    elif route.response == "html":
        content = {"text/html": {"schema": _STR}}
    elif route.response in SCHEMAS:
        content = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{route.response}"}}
        }
    else:
        content = {"application/json": {"schema": _OBJECT}}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "200": {"description": "OK", "content": content},
        "default": {"description": "An error", "content": error},
    }


def _operation(route: Route) -> dict[str, Any]:
    names = _PARAM.findall(route.path)
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _STR} for name in names
    ] + [{"name": name, "in": "query", "required": False, "schema": _STR} for name in route.query]
    operation: dict[str, Any] = {
        "summary": route.summary,
        "tags": [route.tag],
        "operationId": f"{route.method.lower()}_{route.handler.__name__}",
        "parameters": parameters,
        "responses": _response(route),
    }
    if route.rbac:
        operation["x-gitopsd-rbac"] = route.rbac
    if route.public:
        operation["security"] = []
    if route.body:
        operation["requestBody"] = {
            "required": route.method == "POST" and route.body == "SessionCreateRequest",
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{route.body}"}}
            },
        }
    return operation


def openapi_document(routes: Iterable[Route]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(openapi_path(route.path), {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "gitopsd API",
            "version": gitopsd.__version__,
            "description": "Argo CD's REST paths and shapes where they exist. Send the token "
            "from POST /api/v1/session as `Authorization: Bearer <token>`; browsers use the "
            "gitopsd.token cookie and must send X-CSRF-Token on changes.",
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "gitopsd.token"},
            },
        },
        "security": [{"bearer": []}, {"cookie": []}],
    }
