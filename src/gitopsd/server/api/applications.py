"""``/api/v1/applications``: list, get (with refresh), and the actions people take.

Reads come from the watch cache. Actions write only what the controller reads, with the
same builders the CLI uses (:mod:`gitopsd.model.operations`,
:mod:`gitopsd.model.app_patches`): ``operation`` for sync and rollback (initiated by the
signed-in user), the ``refresh`` and ``terminate-operation`` annotations,
``spec.syncPolicy.automated`` edits, the resources finalizer and a delete. Each action is
authorized first and audited (log line and Event).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web

from gitopsd.cluster.cache import name_of as name_key
from gitopsd.errors import ConfigError, Conflict
from gitopsd.model.app_patches import (
    RefreshType,
    finalizers_patch,
    pause_patch,
    refresh_patch,
    terminate_patch,
)
from gitopsd.model.keys import ResourceKey
from gitopsd.model.operations import (
    ResourceSelector,
    SyncRequest,
    build_operation,
    operation_refusal,
    resolve_selectors,
    rollback_entry,
    rollback_refusal,
    rollback_request,
)
from gitopsd.model.vocab import OperationPhase
from gitopsd.server.api import common as api
from gitopsd.server.authz import app_object
from gitopsd.server.caches import APPLICATION
from gitopsd.server.encoding import EncodedObjects, json_list
from gitopsd.server.views import AppQuery, matches, parse_query, project_of

REFRESH_WAIT_SECONDS = 10.0
ENCODED = web.AppKey("encoded_applications", EncodedObjects)
AUTOMATED_FIELDS = frozenset({"enabled", "prune", "selfHeal", "allowEmpty"})


def _key(app: dict[str, Any]) -> ResourceKey:
    meta = app["metadata"]
    return ResourceKey(APPLICATION.group, APPLICATION.kind, meta["namespace"], meta["name"])


async def list_applications(request: web.Request) -> web.StreamResponse:
    started = time.perf_counter()
    ctx = api.context(request)
    query = parse_query({k: request.query.getall(k) for k in request.query})
    visible = _visibility(request)
    cache = ctx.caches.applications
    version = cache.resource_version
    apps = cache.items()
    unfiltered = query == AppQuery()
    encoded = request.app[ENCODED]
    items = [encoded.encode(a) for a in apps if visible(a) and (unfiltered or matches(a, query))]
    if len(encoded) > 2 * len(apps) + 100:
        encoded.forget_except(name_key(a) for a in apps)
    response = web.Response(
        body=json_list(items, {"resourceVersion": version}), content_type="application/json"
    )
    # What the server spent (filtering and encoding), for clients and benchmarks.
    response.headers["Server-Timing"] = f"list;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def _visibility(request: web.Request) -> Callable[[dict[str, Any]], bool]:
    """Whether the user may ``get`` an application; asked once per project when the
    policy's lines for this user only look at projects."""
    who = api.principal(request)
    enforcer = api.context(request).authorizer.enforcer()
    by_project = enforcer.decides_by_project(who.subjects, "applications", "get")
    decided: dict[str, bool] = {}

    def visible(app: dict[str, Any]) -> bool:
        if not by_project:
            return enforcer.allowed(who.subjects, "applications", "get", app_object(app))
        project = project_of(app)
        if project not in decided:
            decided[project] = enforcer.allowed(
                who.subjects, "applications", "get", app_object(app)
            )
        return decided[project]

    return visible


async def get_application(request: web.Request) -> web.StreamResponse:
    app = api.application(request, "get")
    refresh = request.query.get("refresh", "")
    if refresh:
        app = await _refresh(request, app, refresh)
    return api.reply(app)


async def _refresh(request: web.Request, app: dict[str, Any], kind: str) -> dict[str, Any]:
    """Request a refresh (Argo CD: allowed with ``get``) and wait for the controller to
    take it, up to 10 s; the application as it is then."""
    try:
        refresh = RefreshType(kind.lower())
    except ValueError:
        api.fail(api.Code.INVALID_ARGUMENT, f"refresh {kind!r}: normal or hard")
    ctx = api.context(request)
    updated = await _write(request, app, refresh_patch(refresh), "refresh", f"{refresh} refresh")
    meta = updated["metadata"]
    deadline = asyncio.get_running_loop().time() + REFRESH_WAIT_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        current = ctx.caches.applications.get(meta["namespace"], meta["name"])
        if current is None:
            break
        annotations = (current.get("metadata") or {}).get("annotations") or {}
        if not any(key.endswith("/refresh") for key in annotations):
            return current
        await asyncio.sleep(0.1)
    return ctx.caches.applications.get(meta["namespace"], meta["name"]) or updated


async def _write(
    request: web.Request,
    app: dict[str, Any],
    patch: dict[str, Any],
    action: str,
    description: str,
    *,
    reason: str = "ResourceUpdated",
) -> dict[str, Any]:
    """Merge-patch the Application, audit it and record an Event naming the user."""
    ctx = api.context(request)
    who = api.principal(request)
    obj, project = app_object(app), project_of(app)
    try:
        updated: dict[str, Any] = await api.blocking(ctx.cluster.merge_patch, _key(app), patch)
    except Exception as error:
        api.audit(
            request, action, "applications", "failed", obj=obj, project=project, message=str(error)
        )
        raise
    api.audit(
        request, action, "applications", "allowed", obj=obj, project=project, message=description
    )
    await api.blocking(ctx.audit.event, updated, reason, f"{who.display_name} {description}")
    return updated


def _selectors(body: dict[str, Any]) -> tuple[ResourceSelector, ...]:
    found = []
    for item in body.get("resources") or []:
        if not isinstance(item, dict) or not item.get("kind") or not item.get("name"):
            api.fail(api.Code.INVALID_ARGUMENT, "resources[]: each needs kind and name")
        found.append(
            ResourceSelector(
                str(item.get("group") or ""),
                str(item["kind"]),
                str(item.get("namespace") or ""),
                str(item["name"]),
            )
        )
    return tuple(found)


def _sync_options(body: dict[str, Any]) -> tuple[str, ...]:
    options = body.get("syncOptions") or {}
    items = options.get("items") if isinstance(options, dict) else options
    chosen = [str(item) for item in items or []]
    strategy = body.get("strategy") or {}
    if any(isinstance(s, dict) and s.get("force") for s in strategy.values()):
        chosen.append("Force=true")
    return tuple(dict.fromkeys(chosen))


async def _operation_request(
    request: web.Request, refusal_of: Callable[[dict[str, Any]], str | None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Application (``sync`` on it authorized) and the request body; 400 when
    ``refusal_of`` says why no operation may be requested now."""
    app = api.application(request, "sync")
    body = await api.json_body(request)
    refusal = refusal_of(app)
    if refusal:
        api.fail(api.Code.FAILED_PRECONDITION, refusal)
    return app, body


async def sync_application(request: web.Request) -> web.StreamResponse:
    app, body = await _operation_request(request, operation_refusal)
    request_ = SyncRequest(
        revision=str(body.get("revision") or ""),
        prune=bool(body.get("prune", False)),
        dry_run=bool(body.get("dryRun", False)),
        resources=resolve_selectors(
            _selectors(body), (app.get("status") or {}).get("resources") or []
        ),
        sync_options=_sync_options(body),
    )
    return api.reply(await _request_operation(request, app, request_, "sync"))


async def rollback_application(request: web.Request) -> web.StreamResponse:
    app, body = await _operation_request(request, rollback_refusal)
    history_id = body.get("id")
    try:
        entry = rollback_entry(app, int(history_id) if history_id is not None else None)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"id {history_id!r}: expected a history id") from error
    base = rollback_request(entry, prune=bool(body.get("prune", False)))
    request_ = SyncRequest(
        revision=base.revision,
        revisions=base.revisions,
        prune=base.prune,
        dry_run=bool(body.get("dryRun")),
    )
    return api.reply(await _request_operation(request, app, request_, "rollback"))


async def _request_operation(
    request: web.Request, app: dict[str, Any], sync: SyncRequest, action: str
) -> dict[str, Any]:
    who = api.principal(request)
    operation = build_operation(sync, username=who.display_name, request_id=uuid.uuid4().hex)
    patch = {
        "metadata": {"resourceVersion": app["metadata"]["resourceVersion"]},
        "operation": operation,
    }
    target = sync.revision or "the target revision"
    verb = "initiated rollback to" if action == "rollback" else "initiated sync to"
    dry = " (dry run)" if sync.dry_run else ""
    return await _write(
        request, app, patch, action, f"{verb} {target}{dry}", reason="OperationStarted"
    )


async def terminate_operation(request: web.Request) -> web.StreamResponse:
    app = api.application(request, "sync")
    state = (app.get("status") or {}).get("operationState") or {}
    if state.get("phase") != OperationPhase.RUNNING and not isinstance(app.get("operation"), dict):
        api.fail(
            api.Code.FAILED_PRECONDITION,
            "Unable to terminate operation. No operation is in progress",
        )
    await _write(request, app, terminate_patch(), "terminate", "terminated the running operation")
    return api.reply({})


async def patch_spec(request: web.Request) -> web.StreamResponse:
    """A JSON merge patch of ``spec``; only ``syncPolicy.automated`` for now (pause and
    resume with ``enabled``, the prune/selfHeal/allowEmpty switches, ``null`` for off)."""
    app = api.application(request, "update")
    body = await api.json_body(request)
    automated = _automated_patch(body)
    patch: dict[str, Any] | None
    if automated is None:  # automated sync off altogether (``app set --sync-policy none``)
        off = {"spec": {"syncPolicy": {"automated": None}}}
        return api.reply(await _write(request, app, off, "update", "turned automated sync off"))
    if set(automated) == {"enabled"}:
        patch = pause_patch(app.get("spec") or {}, paused=not automated["enabled"])
        what = "resumed automated sync" if automated["enabled"] else "paused automated sync"
        if patch is None:
            return api.reply(app)
    else:
        patch = {"spec": {"syncPolicy": {"automated": automated}}}
        what = "changed automated sync settings"
    return api.reply(await _write(request, app, patch, "update", what))


def _automated_patch(body: dict[str, Any]) -> dict[str, Any] | None:
    policy = body.get("syncPolicy")
    automated = policy.get("automated") if isinstance(policy, dict) else None
    if set(body) != {"syncPolicy"} or set(policy or {}) != {"automated"}:
        api.fail(api.Code.INVALID_ARGUMENT, "only spec.syncPolicy.automated can be patched here")
    if automated is None:
        return None
    if not isinstance(automated, dict) or not automated or set(automated) - AUTOMATED_FIELDS:
        api.fail(
            api.Code.INVALID_ARGUMENT, "syncPolicy.automated: enabled, prune, selfHeal, allowEmpty"
        )
    if not all(isinstance(v, bool) for v in automated.values()):
        api.fail(api.Code.INVALID_ARGUMENT, "syncPolicy.automated: values must be true or false")
    return automated


# A delete does not depend on the version the caller saw, yet the controller writes the
# Application's status all the time: a finalizer patch refused for a newer version is
# made again on the Application read afresh (its guard still keeps a finalizer someone
# added meanwhile), a few times before the conflict is the answer.
FINALIZER_ATTEMPTS = 5


async def _set_deletion_finalizers(
    request: web.Request, app: dict[str, Any], cascade: bool, how: str
) -> tuple[dict[str, Any], bool]:
    """Add (cascade) or remove the resources finalizer; the Application as last read or
    written, and whether a patch was written."""
    ctx = api.context(request)
    attempt = 1
    while True:
        patch = finalizers_patch(app.get("metadata") or {}, cascade=cascade)
        if patch is None:
            return app, False
        try:
            return await _write(
                request, app, patch, "delete", f"deleted the application {how}"
            ), True
        except Conflict:
            fresh = None
            if attempt < FINALIZER_ATTEMPTS:
                fresh = await api.blocking(ctx.cluster.get, _key(app))
            if fresh is None:
                raise
        # Authorised again: the Application may have moved to another project.
        api.authorize(
            request, "applications", "delete", app_object(fresh), project=project_of(fresh)
        )
        app, attempt = fresh, attempt + 1


async def delete_application(request: web.Request) -> web.StreamResponse:
    app = api.application(request, "delete")
    ctx = api.context(request)
    cascade = request.query.get("cascade", "true").lower() != "false"
    how = "with its resources" if cascade else "leaving its resources in place"
    app, written = await _set_deletion_finalizers(request, app, cascade, how)
    if not written:
        obj, project = app_object(app), project_of(app)
        api.audit(request, "delete", "applications", "allowed", obj=obj, project=project)
        await api.blocking(
            ctx.audit.event,
            app,
            "ResourceDeleted",
            f"{api.principal(request).display_name} deleted the application {how}",
        )
    await api.blocking(ctx.cluster.delete, _key(app), propagation="Background")
    return api.reply({})
