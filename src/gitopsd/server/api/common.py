"""Helpers every handler uses: the context, JSON replies and errors in Argo CD's shape,
the signed-in principal, authorization with audit, and finding an Application.

Errors are ``{"error", "code", "message"}`` with gRPC status codes, as Argo CD's REST
gateway answers, so clients written for it read them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from enum import IntEnum
from typing import Any, NoReturn

from aiohttp import web

from gitopsd.server.audit import AuditRecord
from gitopsd.server.authn import Principal
from gitopsd.server.authz import app_object
from gitopsd.server.context import ServerContext
from gitopsd.server.views import project_of

CONTEXT = web.AppKey("context", ServerContext)
PRINCIPAL = web.RequestKey("principal", Principal)
COOKIE_AUTH = web.RequestKey("cookie_auth", bool)


class Code(IntEnum):
    """gRPC status codes, as Argo CD's API reports them."""

    INVALID_ARGUMENT = 3
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    INTERNAL = 13
    UNAVAILABLE = 14
    UNAUTHENTICATED = 16


HTTP_STATUS = {
    Code.INVALID_ARGUMENT: 400,
    Code.NOT_FOUND: 404,
    Code.ALREADY_EXISTS: 409,
    Code.PERMISSION_DENIED: 403,
    Code.RESOURCE_EXHAUSTED: 429,
    Code.FAILED_PRECONDITION: 400,
    Code.ABORTED: 409,
    Code.INTERNAL: 500,
    Code.UNAVAILABLE: 503,
    Code.UNAUTHENTICATED: 401,
}

PERMISSION_DENIED = "permission denied"


class ApiError(web.HTTPException):
    """An error reply; raised by handlers, rendered as JSON by the error middleware."""

    def __init__(self, code: Code, message: str, headers: Mapping[str, str] | None = None):
        self.status_code = HTTP_STATUS[code]
        super().__init__(
            text=json.dumps({"error": message, "code": int(code), "message": message}),
            content_type="application/json",
            headers=headers,
        )
        self.code = code
        self.message = message


def fail(code: Code, message: str) -> NoReturn:
    raise ApiError(code, message)


def reply(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def context(request: web.Request) -> ServerContext:
    return request.app[CONTEXT]


def principal(request: web.Request) -> Principal:
    found = request.get(PRINCIPAL)
    if not isinstance(found, Principal):
        fail(Code.UNAUTHENTICATED, "no session")
    return found


def source_ip(request: web.Request) -> str:
    return request.remote or ""


def audit(
    request: web.Request,
    action: str,
    resource: str,
    result: str,
    *,
    obj: str = "",
    project: str = "",
    message: str = "",
    user: str | None = None,
    groups: tuple[str, ...] | None = None,
) -> None:
    found = request.get(PRINCIPAL)
    who = found if isinstance(found, Principal) else None
    record = AuditRecord(
        user=user if user is not None else (who.username if who else ""),
        groups=groups if groups is not None else (who.groups if who else ()),
        # SSO users: the e-mail beside the subject, so people recognise them.
        extra={"email": who.email} if who and who.email else {},
        action=action,
        resource=resource,
        object=obj,
        project=project,
        result=result,
        source_ip=source_ip(request),
        message=message,
    )
    context(request).audit.record(record)


def allowed(request: web.Request, resource: str, action: str, obj: str) -> bool:
    return context(request).authorizer.allowed(principal(request), resource, action, obj)


def authorize(
    request: web.Request, resource: str, action: str, obj: str, *, project: str = ""
) -> None:
    """Refuse (403, audited) unless the principal may do ``action`` on ``obj``."""
    if not allowed(request, resource, action, obj):
        audit(request, action, resource, "denied", obj=obj, project=project)
        fail(Code.PERMISSION_DENIED, PERMISSION_DENIED)


def application(request: web.Request, action: str) -> dict[str, Any]:
    """The Application named in the path, once ``action`` on it is authorized.

    A missing application and one the user may not act on answer the same 403, unless
    the user may act on every application (``*/*``), who gets a 404: nobody learns
    which names exist in projects they cannot see.
    """
    ctx = context(request)
    name = request.match_info["name"]
    namespace = request.query.get("appNamespace") or ctx.namespace
    app = ctx.caches.applications.get(namespace, name) if namespace == ctx.namespace else None
    if app is None:
        if allowed(request, "applications", action, "*/*"):
            fail(Code.NOT_FOUND, f'applications.gitopsd.io "{name}" not found')
        audit(request, action, "applications", "denied", obj=f"*/{name}")
        fail(Code.PERMISSION_DENIED, PERMISSION_DENIED)
    authorize(request, "applications", action, app_object(app), project=project_of(app))
    return app


async def json_body(request: web.Request, limit: int = 1 << 20) -> dict[str, Any]:
    """The request's JSON object body ({} when empty); 400 when it is not an object."""
    if request.content_length and request.content_length > limit:
        fail(Code.INVALID_ARGUMENT, "request body too large")
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        fail(Code.INVALID_ARGUMENT, "request body too large")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        fail(Code.INVALID_ARGUMENT, "request body is not JSON")
    if not isinstance(body, dict):
        fail(Code.INVALID_ARGUMENT, "request body must be a JSON object")
    return body


async def blocking(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a blocking call (the Kubernetes client, bcrypt) off the event loop."""
    return await asyncio.to_thread(func, *args, **kwargs)
