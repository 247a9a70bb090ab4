"""Tokens for CI: AppProject role tokens and local accounts' API keys (Argo CD's paths).

``POST /api/v1/projects/{name}/roles/{role}/token`` (``{expiresIn, id}``; needs
``projects update <name>``) answers ``{token}``: a JWT for ``proj:<name>:<role>``,
recorded in the role's ``jwtTokens`` as ``{iat, exp, id}``; ``DELETE
…/token/{iat}[?id=]`` removes that entry, which revokes the token on every replica.
``POST /api/v1/account/{name}/token`` and ``DELETE …/token/{id}`` do the same for a local
account with the ``apiKey`` capability, recording ``{id, iat, exp}`` in
``gitopsd-secret``'s ``accounts.<name>.tokens``; ``GET /api/v1/account/{name}`` lists
them. A caller may manage their own account's keys; anyone else's needs ``accounts
update <name>``. Tokens are returned once and never stored, logged or audited.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web

from gitopsd.errors import ConfigError, Conflict
from gitopsd.model.annotations import GROUP
from gitopsd.model.keys import ResourceKey
from gitopsd.server.accounts import Account, ApiToken, decoded, parse_tokens
from gitopsd.server.api import common as api
from gitopsd.server.authn import API_KEY, LOCAL, PROJECT
from gitopsd.server.context import ServerContext
from gitopsd.server.project_tokens import (
    RoleRef,
    find_role,
    roles_with_token,
    roles_without_token,
)
from gitopsd.server.secrets import ATTEMPTS, SERVER_SECRET, b64, secret_key
from gitopsd.server.tokens import NEVER, Claims

MAX_ID = 128
_ID = re.compile(r"^[A-Za-z0-9._:@-]+$")


def _expires_in(body: dict[str, Any]) -> float | None:
    """``expiresIn`` in seconds (a number or a numeric string); 0 or absent: never."""
    raw = body.get("expiresIn", 0)
    try:
        seconds = float(raw or 0)
    except (TypeError, ValueError):
        api.fail(api.Code.INVALID_ARGUMENT, "expiresIn: seconds, as a number")
    if seconds < 0:
        api.fail(api.Code.INVALID_ARGUMENT, "expiresIn: must not be negative")
    return seconds or None


def _token_id(body: dict[str, Any]) -> str:
    token_id = str(body.get("id") or "") or str(uuid.uuid4())
    if len(token_id) > MAX_ID or not _ID.match(token_id):
        api.fail(api.Code.INVALID_ARGUMENT, "id: letters, digits and . _ : @ - only")
    return token_id


# --- project role tokens -----------------------------------------------------------------
def _project(ctx: ServerContext, name: str) -> dict[str, Any]:
    found = ctx.caches.projects.get(ctx.namespace, name)
    if found is None:
        api.fail(api.Code.NOT_FOUND, f'appprojects.gitopsd.io "{name}" not found')
    return found


def _project_key(ctx: ServerContext, name: str) -> ResourceKey:
    return ResourceKey(GROUP, "AppProject", ctx.namespace, name)


async def _update_roles(
    request: web.Request, name: str, change: Callable[[dict[str, Any]], list[Any]]
) -> None:
    """Replace the project's ``spec.roles`` with ``change(project)``, guarded by its
    resourceVersion and re-read on a conflict."""
    ctx = api.context(request)
    key = _project_key(ctx, name)
    for _ in range(ATTEMPTS):
        project = await api.blocking(ctx.cluster.get, key)
        if project is None:
            api.fail(api.Code.NOT_FOUND, f'appprojects.gitopsd.io "{name}" not found')
        patch = {
            "metadata": {"resourceVersion": project["metadata"]["resourceVersion"]},
            "spec": {"roles": change(project)},
        }
        try:
            await api.blocking(ctx.cluster.merge_patch, key, patch)
            return
        except Conflict:
            continue
    api.fail(api.Code.ABORTED, f"AppProject {name} kept changing; retry")


async def create_project_token(request: web.Request) -> web.StreamResponse:
    ctx = api.context(request)
    name, role = request.match_info["name"], request.match_info["role"]
    api.authorize(request, "projects", "update", name, project=name)
    body = await api.json_body(request, limit=8192)
    if find_role(_project(ctx, name), role) is None:
        api.fail(api.Code.NOT_FOUND, f"role {role} is not in project {name}")
    ref = RoleRef(name, role)
    token, claims = ctx.signer().issue(
        ref.subject,
        now=ctx.clock(),
        lifetime_seconds=_expires_in(body),
        extra={"via": PROJECT},
        token_id=_token_id(body),
    )
    await _update_roles(request, name, lambda project: roles_with_token(project, role, claims))
    api.audit(
        request, "create-token", "projects", "allowed", obj=name, project=name,
        message=f"role {role}, token id {claims.session_id}, iat {int(claims.issued_at)}",
    )  # fmt: skip
    return api.reply({"token": token})


async def delete_project_token(request: web.Request) -> web.StreamResponse:
    ctx = api.context(request)
    name, role = request.match_info["name"], request.match_info["role"]
    api.authorize(request, "projects", "update", name, project=name)
    try:
        issued_at = int(request.match_info["iat"])
    except ValueError:
        api.fail(api.Code.INVALID_ARGUMENT, "iat: the token's issue time, in seconds")
    token_id = request.query.get("id", "")
    _project(ctx, name)
    removed: list[str] = []

    def change(project: dict[str, Any]) -> list[Any]:
        roles, ids = roles_without_token(project, role, issued_at, token_id)
        if not ids:
            api.fail(
                api.Code.NOT_FOUND,
                f"role {role} of project {name} has no token issued at {issued_at}",
            )
        removed[:] = ids
        return roles

    await _update_roles(request, name, change)
    # Refused here at once; other replicas as soon as their AppProject cache sees it.
    ctx.revoked_here.update(i for i in removed if i)
    api.audit(
        request, "delete-token", "projects", "allowed", obj=name, project=name,
        message=f"role {role}, tokens issued at {issued_at} revoked",
    )  # fmt: skip
    return api.reply({})


# --- account API keys --------------------------------------------------------------------
def _account(request: web.Request, name: str, *, write: bool) -> Account:
    """The account ``name``, once the caller may manage it: their own local account
    (signed in with its password), or one RBAC lets them get or update."""
    who = api.principal(request)
    if not (who.issuer == LOCAL and who.username == name):
        api.authorize(request, "accounts", "update" if write else "get", name)
    account = api.context(request).accounts().get(name)
    if account is None:
        api.fail(api.Code.NOT_FOUND, f"account {name}: not a local account")
    return account


async def get_account(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    account = _account(request, name, write=False)
    return api.reply(
        {
            "name": account.name,
            "enabled": account.enabled,
            "capabilities": sorted(account.capabilities),
            "tokens": [
                {"id": t.id, "issuedAt": t.issued_at, "expiresAt": t.expires_at}
                for t in account.tokens
            ],
        }
    )


async def create_account_token(request: web.Request) -> web.StreamResponse:
    ctx = api.context(request)
    name = request.match_info["name"]
    account = _account(request, name, write=True)
    if not account.can_use_api_keys:
        api.fail(
            api.Code.FAILED_PRECONDITION, f"account {name} does not have the apiKey capability"
        )
    body = await api.json_body(request, limit=8192)
    token_id = _token_id(body)
    if any(t.id == token_id for t in account.tokens):
        api.fail(api.Code.ALREADY_EXISTS, f"account {name} already has a token with id {token_id}")
    token, claims = ctx.signer().issue(
        name,
        now=ctx.clock(),
        lifetime_seconds=_expires_in(body),
        extra={"via": API_KEY},
        token_id=token_id,
    )
    entry = _entry(claims)
    await api.blocking(_store_tokens, ctx, name, lambda tokens: [*tokens, entry])
    api.audit(request, "create-token", "accounts", "allowed", obj=name, message=f"id {token_id}")
    return api.reply({"token": token})


async def delete_account_token(request: web.Request) -> web.StreamResponse:
    ctx = api.context(request)
    name, token_id = request.match_info["name"], request.match_info["id"]
    account = _account(request, name, write=True)
    if not any(t.id == token_id for t in account.tokens):
        api.fail(api.Code.NOT_FOUND, f"account {name} has no token with id {token_id}")
    await api.blocking(
        _store_tokens, ctx, name, lambda tokens: [t for t in tokens if t.id != token_id]
    )
    ctx.revoked_here.add(token_id)
    api.audit(request, "delete-token", "accounts", "allowed", obj=name, message=f"id {token_id}")
    return api.reply({})


def _entry(claims: Claims) -> ApiToken:
    expires = 0 if claims.expires_at == NEVER else int(claims.expires_at)
    return ApiToken(claims.session_id, int(claims.issued_at), expires)


def _store_tokens(
    ctx: ServerContext, name: str, change: Callable[[list[ApiToken]], list[ApiToken]]
) -> None:
    """Rewrite ``accounts.<name>.tokens`` in gitopsd-secret (resourceVersion-guarded)."""
    key = secret_key(ctx.namespace, SERVER_SECRET)
    field = f"accounts.{name}.tokens"
    for _ in range(ATTEMPTS):
        secret = ctx.cluster.get(key)
        if secret is None:
            raise ConfigError(f"{key}: missing; cannot store the token")
        tokens = change(list(parse_tokens(decoded(secret).get(field))))
        text = json.dumps([t.as_json() for t in tokens], separators=(",", ":"))
        patch = {
            "metadata": {"resourceVersion": secret["metadata"]["resourceVersion"]},
            "data": {field: b64(text)},
        }
        try:
            ctx.cluster.merge_patch(key, patch)
            return
        except Conflict:
            continue
    raise ConfigError(f"{key}: could not store the token after {ATTEMPTS} conflicting writes")
