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
from gitopsd.server.api import common as api
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
    ctx = api.context(request)
    body = await api.json_body(request, limit=8192)
    username = str(body.get("username") or "")[:MAX_NAME]
    password = str(body.get("password") or "")[:MAX_PASSWORD]
    if not username or not password:
        raise api.ApiError(api.Code.INVALID_ARGUMENT, "username and password are required")
    wait = ctx.limiter.admit(api.source_ip(request), username)
    if wait:
        api.audit(request, "login", "session", "denied", user=username, message="rate limited")
        raise api.ApiError(
            api.Code.RESOURCE_EXHAUSTED,
            "too many sign-in attempts; try again later",
            headers={"Retry-After": str(int(wait + 0.999))},
        )
    account = ctx.accounts().get(username)
    usable = account is not None and account.can_login
    hashed = account.password_hash if account is not None and usable else ""
    matched = await api.blocking(verify_password, password, hashed)
    if not (matched and usable):
        ctx.limiter.failed(username)
        api.audit(request, "login", "session", "denied", user=username, message=INVALID)
        raise api.ApiError(api.Code.UNAUTHENTICATED, INVALID)
    ctx.limiter.succeeded(username)
    lifetime = ctx.settings.session_seconds
    token, claims = ctx.signer().issue(username, now=ctx.clock(), lifetime_seconds=lifetime)
    api.audit(request, "login", "session", "allowed", user=username)
    response = api.reply({"token": token})
    set_session_cookies(request, response, token, claims.session_id)
    return response


def set_session_cookies(
    request: web.Request, response: web.StreamResponse, token: str, session_id: str
) -> None:
    """The HttpOnly session cookie and the readable CSRF cookie bound to the session."""
    ctx = api.context(request)
    lifetime = ctx.settings.session_seconds
    secure = ctx.settings.secure_cookie
    common = {"path": "/", "samesite": "Strict", "secure": secure, "max_age": int(lifetime)}
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, **common)  # type: ignore[arg-type]
    key = ctx.secret_data().get("server.secretkey", "")
    response.set_cookie(CSRF_COOKIE, csrf_token(key, session_id), **common)  # type: ignore[arg-type]


async def delete_session(request: web.Request) -> web.StreamResponse:
    """Sign out: the session is revoked on every replica. An SSO user's answer carries
    the identity provider's ``logoutURL`` (Argo CD's), where a browser goes next."""
    ctx = api.context(request)
    who = api.principal(request)
    if who.expires_at == NEVER:
        api.fail(
            api.Code.FAILED_PRECONDITION, "API tokens are revoked by deleting them, not by logout"
        )
    await api.blocking(
        revoke_session, ctx.cluster, ctx.namespace, who.session_id, who.expires_at, ctx.clock
    )
    ctx.revoked_here.add(who.session_id)
    api.audit(request, "logout", "session", "allowed")
    sso = ctx.sso.current()
    answer = {}
    if sso is not None and who.issuer == sso.config.issuer and sso.config.logout_url:
        answer["logoutURL"] = logout_url(sso.config.logout_url, sso.url)
    response = api.reply(answer)
    response.del_cookie(TOKEN_COOKIE, path="/")
    response.del_cookie(CSRF_COOKIE, path="/")
    return response


@public
async def userinfo(request: web.Request) -> web.StreamResponse:
    """Argo CD's ``{loggedIn, username, iss, groups}``; ``{loggedIn: false}`` without a
    valid session (this path answers without one, so the web UI can ask)."""
    ctx = api.context(request)
    token, _ = bearer_token(request)
    if not token:
        return api.reply({"loggedIn": False})
    try:
        await prepare(ctx.authenticators, token)
        who = authenticate(ctx.authenticators, token, now=ctx.clock())
    except GitopsdError:  # any refusal reads as "not signed in" here
        return api.reply({"loggedIn": False})
    request[api.PRINCIPAL] = who
    return api.reply(
        {"loggedIn": True, "username": who.username, "iss": who.issuer, "groups": list(who.groups)}
    )
