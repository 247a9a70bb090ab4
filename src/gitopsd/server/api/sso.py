"""SSO in the browser: ``GET /auth/login``, ``GET /auth/callback`` and the public
``GET /api/v1/settings`` (Argo CD's paths).

``/auth/login?return_url=/applications`` sends the browser to the identity provider with
a fresh state, nonce and PKCE challenge, kept in a signed five-minute cookie
(SameSite=Lax: it must come back with the provider's redirect). ``/auth/callback``
checks the state against that cookie and redeems it once, trades the code for an ID
token, verifies it (signature, issuer, audience, expiry, nonce) and then signs the user
in as a local sign-in does: the server's own session token in the HttpOnly cookie, the
CSRF cookie, a redirect to ``return_url``. The session carries the user's ``sub`` as the
RBAC subject, their e-mail, and the claims ``gitopsd-rbac-cm``'s ``scopes`` names
(``groups`` by default). Every refusal is audited and answered 401 with nothing set.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gitopsd.errors import AuthError, ConfigError
from gitopsd.server.api.common import ApiError, Code, audit, context, fail, reply
from gitopsd.server.api.middleware import public
from gitopsd.server.api.session import set_session_cookies
from gitopsd.server.authn import groups_from_values
from gitopsd.server.oidc.flow import (
    STATE_COOKIE,
    STATE_SECONDS,
    authorization_url,
    new_login,
    safe_return_url,
    seal,
    unseal,
)
from gitopsd.server.oidc.settings import CALLBACK_PATH, Sso

# ID-token claims a session keeps besides the groups: who the user is, for people.
PROFILE_CLAIMS = ("email", "name", "preferred_username")
MAX_CLAIM_VALUES = 200


@public
async def settings(request: web.Request) -> web.StreamResponse:
    """The public settings a sign-in page needs (Argo CD's shape, secrets left out)."""
    ctx = context(request)
    sso = await ctx.sso.refresh()
    url = (ctx.config_data().get("url") or "").strip().rstrip("/")
    answer: dict[str, Any] = {"url": url, "userLoginsDisabled": False}
    if sso is not None:
        config = sso.config
        answer["oidcConfig"] = {
            "name": config.name,
            "issuer": config.issuer,
            "clientID": config.client_id,
            "cliClientID": config.cli_client_id,
            "scopes": list(config.requested_scopes),
            "idTokenClaims": dict(config.requested_id_token_claims),
            "enablePKCEAuthentication": config.enable_pkce,
        }
    return reply(answer)


async def _configured(request: web.Request) -> Sso:
    ctx = context(request)
    sso = await ctx.sso.refresh()
    if sso is None:
        reason = f" ({ctx.sso.error})" if ctx.sso.error else ""
        fail(Code.NOT_FOUND, f"SSO is not configured{reason}")
    if not sso.url:
        fail(Code.FAILED_PRECONDITION, "SSO needs gitopsd-cm's url (this server's address)")
    return sso


@public
async def login(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    sso = await _configured(request)
    try:
        return_url = safe_return_url(request.query.get("return_url"))
    except ConfigError as error:
        audit(request, "login", "session", "denied", message=f"SSO: {error}")
        raise ApiError(Code.INVALID_ARGUMENT, str(error)) from error
    pending = new_login(return_url, now=ctx.clock())
    try:
        metadata = await sso.provider.metadata()
    except AuthError as error:
        raise ApiError(Code.UNAVAILABLE, str(error)) from error
    target = authorization_url(
        metadata.authorization_endpoint,
        client_id=sso.config.client_id,
        redirect_uri=sso.redirect_uri,
        scopes=sso.config.requested_scopes,
        login=pending,
        pkce=sso.config.enable_pkce,
        claims=sso.config.requested_id_token_claims,
    )
    response = _see_other(target)
    response.set_cookie(
        STATE_COOKIE,
        seal(pending, ctx.signer_key()),
        path=CALLBACK_PATH,
        max_age=STATE_SECONDS,
        httponly=True,
        secure=ctx.settings.secure_cookie,
        samesite="Lax",
    )
    return response


@public
async def callback(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    sso = await _configured(request)
    query = request.query
    try:
        if query.get("error"):
            raise AuthError(f"the identity provider refused: {query['error'][:100]}")
        pending = unseal(
            request.cookies.get(STATE_COOKIE, ""),
            ctx.signer_key(),
            state=query.get("state", ""),
            now=ctx.clock(),
        )
        code = query.get("code", "")
        if not code:
            raise AuthError("the identity provider sent no code")
        ctx.used_states.redeem(pending, now=ctx.clock())
        id_token = await sso.provider.exchange(
            code, verifier=pending.verifier, redirect_uri=sso.redirect_uri
        )
        claims = sso.provider.verify(id_token, nonce=pending.nonce)
    except AuthError as error:
        audit(request, "login", "session", "denied", message=f"SSO: {error}")
        raise ApiError(Code.UNAUTHENTICATED, f"SSO sign-in refused: {error}") from error
    return _signed_in(request, sso, claims, pending.return_url)


def _signed_in(
    request: web.Request, sso: Sso, claims: dict[str, Any], return_url: str
) -> web.StreamResponse:
    ctx = context(request)
    scopes = ctx.scopes()
    extra = {"via": sso.config.issuer, **session_claims(claims, scopes)}
    groups = groups_from_values(claims.get, ["groups"])
    token, issued = ctx.signer().issue(
        str(claims["sub"]),
        now=ctx.clock(),
        lifetime_seconds=ctx.settings.session_seconds,
        groups=groups,
        extra=extra,
    )
    who = str(claims.get("email") or "")
    audit(
        request,
        "login",
        "session",
        "allowed",
        user=str(claims["sub"]),
        message=f"SSO via {sso.config.name}" + (f" as {who}" if who else ""),
        groups=groups_from_values(claims.get, scopes),
    )
    response = _see_other(return_url)
    set_session_cookies(request, response, token, issued.session_id)
    response.del_cookie(STATE_COOKIE, path=CALLBACK_PATH)
    return response


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def session_claims(claims: dict[str, Any], scopes: tuple[str, ...]) -> dict[str, Any]:
    """The claims a session keeps: profile claims and those RBAC reads (``scopes``), as
    strings or lists of strings, capped."""
    kept: dict[str, Any] = {}
    for name in dict.fromkeys((*PROFILE_CLAIMS, *scopes)):
        value = claims.get(name)
        if name in ("sub", "groups", "iss", "jti", "iat", "nbf", "exp"):
            continue
        if isinstance(value, str) and value:
            kept[name] = value[:256]
        elif isinstance(value, list):
            kept[name] = [str(v)[:256] for v in value[:MAX_CLAIM_VALUES] if isinstance(v, str)]
    return kept
