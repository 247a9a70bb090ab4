"""``/api/v1/session``: sign in, sign out, who am I.

``POST`` takes ``{username, password}`` and answers ``{token}`` (Argo CD's shape), also
setting the ``gitopsd.token`` cookie (HttpOnly, SameSite=Strict, Secure unless turned off
for plain HTTP) and the readable ``gitopsd.csrf`` cookie for the web UI. Attempts are
rate-limited per address and per user name; a wrong user name and a wrong password get
the same answer after the same bcrypt work.
"""

from __future__ import annotations

from aiohttp import web

from gitopsd.errors import GitopsdError
from gitopsd.server.api.common import (
    PRINCIPAL,
    ApiError,
    Code,
    audit,
    blocking,
    context,
    fail,
    json_body,
    principal,
    reply,
    source_ip,
)
from gitopsd.server.api.middleware import TOKEN_COOKIE, bearer_token, public
from gitopsd.server.authn import authenticate, prepare
from gitopsd.server.csrf import CSRF_COOKIE, csrf_token
from gitopsd.server.oidc.flow import logout_url
from gitopsd.server.passwords import verify_password
from gitopsd.server.secrets import revoke_session
from gitopsd.server.tokens import NEVER

MAX_NAME = 256
MAX_PASSWORD = 1024
INVALID = "Invalid username or password"


@public
async def create_session(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    body = await json_body(request, limit=8192)
    username = str(body.get("username") or "")[:MAX_NAME]
    password = str(body.get("password") or "")[:MAX_PASSWORD]
    if not username or not password:
        raise ApiError(Code.INVALID_ARGUMENT, "username and password are required")
    wait = ctx.limiter.admit(source_ip(request), username)
    if wait:
        audit(request, "login", "session", "denied", user=username, message="rate limited")
        raise ApiError(
            Code.RESOURCE_EXHAUSTED,
            "too many sign-in attempts; try again later",
            headers={"Retry-After": str(int(wait + 0.999))},
        )
    account = ctx.accounts().get(username)
    usable = account is not None and account.can_login
    hashed = account.password_hash if account is not None and usable else ""
    matched = await blocking(verify_password, password, hashed)
    if not (matched and usable):
        ctx.limiter.failed(username)
        audit(request, "login", "session", "denied", user=username, message=INVALID)
        raise ApiError(Code.UNAUTHENTICATED, INVALID)
    ctx.limiter.succeeded(username)
    lifetime = ctx.settings.session_seconds
    token, claims = ctx.signer().issue(username, now=ctx.clock(), lifetime_seconds=lifetime)
    audit(request, "login", "session", "allowed", user=username)
    response = reply({"token": token})
    set_session_cookies(request, response, token, claims.session_id)
    return response


def set_session_cookies(
    request: web.Request, response: web.StreamResponse, token: str, session_id: str
) -> None:
    """The HttpOnly session cookie and the readable CSRF cookie bound to the session."""
    ctx = context(request)
    lifetime = ctx.settings.session_seconds
    secure = ctx.settings.secure_cookie
    common = {"path": "/", "samesite": "Strict", "secure": secure, "max_age": int(lifetime)}
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, **common)  # type: ignore[arg-type]
    key = ctx.secret_data().get("server.secretkey", "")
    response.set_cookie(CSRF_COOKIE, csrf_token(key, session_id), **common)  # type: ignore[arg-type]


async def delete_session(request: web.Request) -> web.StreamResponse:
    """Sign out: the session is revoked on every replica. An SSO user's answer carries
    the identity provider's ``logoutURL`` (Argo CD's), where a browser goes next."""
    ctx = context(request)
    who = principal(request)
    if who.expires_at == NEVER:
        fail(Code.FAILED_PRECONDITION, "API tokens are revoked by deleting them, not by logout")
    await blocking(
        revoke_session, ctx.cluster, ctx.namespace, who.session_id, who.expires_at, ctx.clock
    )
    ctx.revoked_here.add(who.session_id)
    audit(request, "logout", "session", "allowed")
    sso = ctx.sso.current()
    answer = {}
    if sso is not None and who.issuer == sso.config.issuer and sso.config.logout_url:
        answer["logoutURL"] = logout_url(sso.config.logout_url, sso.url)
    response = reply(answer)
    response.del_cookie(TOKEN_COOKIE, path="/")
    response.del_cookie(CSRF_COOKIE, path="/")
    return response


@public
async def userinfo(request: web.Request) -> web.StreamResponse:
    """Argo CD's ``{loggedIn, username, iss, groups}``; ``{loggedIn: false}`` without a
    valid session (this path answers without one, so the web UI can ask)."""
    ctx = context(request)
    token, _ = bearer_token(request)
    if not token:
        return reply({"loggedIn": False})
    try:
        await prepare(ctx.authenticators, token)
        who = authenticate(ctx.authenticators, token, now=ctx.clock())
    except GitopsdError:  # any refusal reads as "not signed in" here
        return reply({"loggedIn": False})
    request[PRINCIPAL] = who
    return reply(
        {"loggedIn": True, "username": who.username, "iss": who.issuer, "groups": list(who.groups)}
    )
