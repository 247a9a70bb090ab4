"""Middleware, outermost first: security headers, errors as JSON, authentication + CSRF.

Authentication reads the token from ``Authorization: Bearer`` (CLI, CI) or else from the
``gitopsd.token`` cookie (browsers); a token in the URL is never looked at, so none ends
up in a proxy's or browser's history. Routes marked public (sign-in, health, version,
the OpenAPI document, the web UI's files) skip it. Every other request is refused with
401 before its handler runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from gitopsd.errors import AuthError, ClusterError, ConfigError, Conflict, GitopsdError, NotFound
from gitopsd.server.api.common import (
    COOKIE_AUTH,
    PRINCIPAL,
    ApiError,
    Code,
    audit,
    context,
)
from gitopsd.server.authn import authenticate, prepare
from gitopsd.server.csrf import CSRF_HEADER, csrf_ok, csrf_token

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TOKEN_COOKIE = "gitopsd.token"
PUBLIC = "gitopsd.public"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        _harden(request, error)
        raise
    _harden(request, response)
    return response


def _harden(request: web.Request, response: web.StreamResponse) -> None:
    if response.prepared:
        return
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
    if request.app[_SECURE]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")


_SECURE = web.AppKey("secure", bool)


def set_secure(app: web.Application, secure: bool) -> None:
    app[_SECURE] = secure


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Our errors as Argo CD-shaped JSON; never a traceback or a library's message."""
    try:
        return await handler(request)
    except ApiError:
        raise
    except web.HTTPException as error:
        if error.status >= 400 and error.content_type != "application/json":
            code = Code.NOT_FOUND if error.status == 404 else Code.INVALID_ARGUMENT
            raise ApiError(code, error.reason) from error
        raise
    except AuthError as error:
        raise ApiError(Code.UNAUTHENTICATED, str(error)) from error
    except ConfigError as error:
        raise ApiError(Code.INVALID_ARGUMENT, str(error)) from error
    except Conflict as error:
        raise ApiError(Code.ABORTED, f"{error} (changed meanwhile; retry)") from error
    except NotFound as error:
        raise ApiError(Code.NOT_FOUND, str(error)) from error
    except ClusterError as error:
        log.warning("%s %s: %s", request.method, request.path, error)
        raise ApiError(Code.UNAVAILABLE, "the Kubernetes API refused or failed the call") from error
    except GitopsdError as error:
        raise ApiError(Code.INVALID_ARGUMENT, str(error)) from error


def bearer_token(request: web.Request) -> tuple[str, bool]:
    """(token, came from the cookie); ("", False) when there is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(TOKEN_COOKIE, "")
    return (cookie, True) if cookie else ("", False)


@web.middleware
async def authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    if _is_public(request):
        return await handler(request)
    ctx = context(request)
    token, from_cookie = bearer_token(request)
    if not token:
        raise ApiError(Code.UNAUTHENTICATED, "no session: sign in first")
    try:
        await prepare(ctx.authenticators, token)
        principal = authenticate(ctx.authenticators, token, now=ctx.clock())
    except AuthError as error:
        audit(request, request.method, "session", "denied", message=str(error))
        raise ApiError(Code.UNAUTHENTICATED, f"invalid session: {error}") from error
    request[PRINCIPAL] = principal
    request[COOKIE_AUTH] = from_cookie
    expected = csrf_token(ctx.secret_data().get("server.secretkey", ""), principal.session_id)
    if not csrf_ok(request.method, from_cookie, request.headers.get(CSRF_HEADER), expected):
        audit(request, request.method, "session", "denied", message="missing or wrong CSRF token")
        raise ApiError(Code.PERMISSION_DENIED, f"{CSRF_HEADER} header missing or wrong")
    return await handler(request)


def _is_public(request: web.Request) -> bool:
    route = request.match_info.route
    handler = getattr(route, "handler", None)
    return bool(getattr(handler, PUBLIC, False)) or route.resource is None


def public(handler: Handler) -> Handler:
    """Mark a handler as reachable without a session."""
    setattr(handler, PUBLIC, True)
    return handler
