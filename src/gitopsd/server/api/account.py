"""``/api/v1/account``: what the signed-in user may do, and changing a local password.

``GET /api/v1/account/can-i/{resource}/{action}/{object}`` answers ``{"value": "yes"}``
or ``"no"`` for the caller (Argo CD's path; the web UI hides what RBAC refuses).
``PUT /api/v1/account/password`` takes ``{currentPassword, newPassword, name}``: the
caller proves who they are with their own current password; changing another account's
password also needs ``accounts update <name>``. The new hash and ``passwordMtime`` go
into ``gitopsd-secret``, which ends every session of that account issued before.
"""

from __future__ import annotations

from aiohttp import web

from gitopsd.server.api import common as api
from gitopsd.server.passwords import MAX_PASSWORD_BYTES, hash_password, verify_password
from gitopsd.server.secrets import store_password

MIN_PASSWORD = 8


async def can_i(request: web.Request) -> web.StreamResponse:
    info = request.match_info
    yes = api.allowed(request, info["resource"], info["action"], info["subresource"])
    return api.reply({"value": "yes" if yes else "no"})


async def update_password(request: web.Request) -> web.StreamResponse:
    ctx = api.context(request)
    who = api.principal(request)
    body = await api.json_body(request, limit=8192)
    name = str(body.get("name") or who.username)
    current = str(body.get("currentPassword") or "")
    new = str(body.get("newPassword") or "")
    if not MIN_PASSWORD <= len(new.encode()) <= MAX_PASSWORD_BYTES:
        api.fail(api.Code.INVALID_ARGUMENT, f"the new password needs {MIN_PASSWORD} to 72 bytes")
    if name != who.username:
        api.authorize(request, "accounts", "update", name)
    accounts = ctx.accounts()
    caller = accounts.get(who.username)
    if caller is None or name not in accounts:
        api.fail(api.Code.NOT_FOUND, f"account {name}: not a local account")
    if ctx.limiter.admit(request.remote or "", who.username):
        api.fail(api.Code.RESOURCE_EXHAUSTED, "too many attempts; try again later")
    if not await api.blocking(verify_password, current, caller.password_hash):
        ctx.limiter.failed(who.username)
        api.audit(
            request, "update-password", "accounts", "denied", obj=name, message="wrong password"
        )
        api.fail(api.Code.PERMISSION_DENIED, "current password does not match")
    hashed = await api.blocking(hash_password, new)
    await api.blocking(store_password, ctx.cluster, ctx.namespace, name, hashed, ctx.now())
    api.audit(request, "update-password", "accounts", "allowed", obj=name)
    return api.reply({})
