"""An Application's objects: the resource tree, one live object, managed resources,
events, and a revision's commit metadata. All from watch caches, after authorization.

Only objects the Application's status lists (or its source renders), and objects they
own, are ever returned; Secret values are masked before the caches hold them
(``++++++++``), and in rendered target states before they leave the renderer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from gitopsd.errors import GitopsdError
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.server.api.common import Code, application, blocking, context, fail, reply
from gitopsd.server.context import ServerContext
from gitopsd.server.tree import resource_tree


def _managed(ctx: ServerContext, entry: Mapping[str, Any]) -> dict[str, Any] | None:
    kind = GroupKind(str(entry.get("group") or ""), str(entry.get("kind") or ""))
    cache = ctx.caches.live.managed(kind)
    return cache.get(str(entry.get("namespace") or ""), str(entry.get("name") or ""))


def _tree(ctx: ServerContext, app: dict[str, Any]) -> dict[str, Any]:
    return resource_tree(
        app, lambda entry: _managed(ctx, entry), ctx.caches.live.children_of, ctx.assessor
    )


async def get_resource_tree(request: web.Request) -> web.StreamResponse:
    app = application(request, "get")
    return reply(await blocking(_tree, context(request), app))


async def managed_resources(request: web.Request) -> web.StreamResponse:
    """Argo CD's ``ManagedResourcesResponse``: per object, the target state (rendered
    from Git as the controller does) and the live state, both JSON strings with Secret
    values masked, and from the controller's last comparison whether it differs and who
    drifted it. A render that fails leaves target states empty and says why in
    ``message``."""
    app = application(request, "get")
    ctx = context(request)

    def collect() -> dict[str, Any]:
        message = ""
        targets: dict[ResourceKey, dict[str, Any]] = {}
        if ctx.targets is not None:
            try:
                targets = ctx.targets.render(app)
            except GitopsdError as error:
                message = f"target states unavailable: {error}"
        entries = {
            ResourceKey.of_entry(e): e for e in (app.get("status") or {}).get("resources") or []
        }
        items = []
        for key in sorted(set(entries) | set(targets)):
            entry = entries.get(key) or {}
            live = _managed(ctx, {**entry, **_key_fields(key)})
            target = targets.get(key)
            items.append(
                {
                    **_key_fields(key),
                    "status": entry.get("status", ""),
                    "health": entry.get("health") or {},
                    "targetState": json.dumps(target) if target is not None else "null",
                    "liveState": json.dumps(live) if live is not None else "null",
                    "modified": entry.get("status") == "OutOfSync",
                    "driftManagers": entry.get("driftManagers") or [],
                    "hook": bool(entry.get("hook")),
                    "requiresPruning": bool(entry.get("requiresPruning")),
                }
            )
        return {"items": items, **({"message": message} if message else {})}

    return reply(await blocking(collect))


def _key_fields(key: ResourceKey) -> dict[str, str]:
    return {"group": key.group, "kind": key.kind, "namespace": key.namespace, "name": key.name}


async def get_resource(request: web.Request) -> web.StreamResponse:
    """One object of the application's tree, as Argo CD's ``{manifest}`` (a JSON string)."""
    app = application(request, "get")
    ctx = context(request)
    wanted = {
        "group": request.query.get("group", ""),
        "kind": request.query.get("kind", ""),
        "namespace": request.query.get("namespace", ""),
        "name": request.query.get("resourceName", ""),
    }
    if not wanted["kind"] or not wanted["name"]:
        fail(Code.INVALID_ARGUMENT, "kind and resourceName are required")

    def find() -> dict[str, Any] | None:
        for entry in (app.get("status") or {}).get("resources") or []:
            if all(str(entry.get(k) or "") == v for k, v in wanted.items()):
                return _managed(ctx, entry)
        for node in _tree(ctx, app)["nodes"]:
            if node.get("parentRefs") and all(
                str(node.get(k) or "") == v for k, v in wanted.items()
            ):
                return _owned(ctx, node)
        return None

    found = await blocking(find)
    if found is None:
        where = f"{wanted['kind']}/{wanted['namespace']}/{wanted['name']}"
        fail(Code.NOT_FOUND, f"{where}: not part of this application")
    return reply({"manifest": json.dumps(found)})


def _owned(ctx: ServerContext, node: Mapping[str, Any]) -> dict[str, Any] | None:
    for cache in ctx.caches.live.owned():
        if cache.scope.group_kind == GroupKind(str(node.get("group") or ""), str(node["kind"])):
            return cache.get(str(node.get("namespace") or ""), str(node["name"]))
    return None


async def list_events(request: web.Request) -> web.StreamResponse:
    """Events about the application (or, with ``resourceUID``/``resourceName``, about one
    of its objects in the application namespace), newest last."""
    app = application(request, "get")
    ctx = context(request)
    meta = app.get("metadata") or {}
    uid = request.query.get("resourceUID", "")
    name = request.query.get("resourceName", "")
    if uid or name:
        tree = await blocking(_tree, ctx, app)
        nodes = [
            n
            for n in tree["nodes"]
            if (not uid or n.get("uid") == uid) and (not name or n.get("name") == name)
        ]
        if not nodes:
            fail(Code.NOT_FOUND, "no such object in this application")
        keys = [str(n.get("uid")) for n in nodes if n.get("uid")]
    else:
        keys = [str(meta.get("uid") or ""), f"Application/{meta.get('name')}"]
    seen: dict[str, dict[str, Any]] = {}
    for key in keys:
        for event in ctx.caches.events.by_index(key):
            involved = event.get("involvedObject") or {}
            if (
                key.startswith("Application/")
                and involved.get("apiVersion", "").split("/")[0] != "gitopsd.io"
            ):
                continue
            seen[str((event.get("metadata") or {}).get("uid"))] = event
    items = sorted(
        seen.values(), key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or "")
    )
    return reply({"items": items, "metadata": {}})


async def revision_metadata(request: web.Request) -> web.StreamResponse:
    """Author, date and message of a revision the application has deployed (from
    ``status.history``, which the controller fills from Git)."""
    app = application(request, "get")
    revision = request.match_info["revision"]
    for entry in reversed((app.get("status") or {}).get("history") or []):
        if str(entry.get("revision") or "") == revision:
            return reply(
                {
                    "author": entry.get("author", ""),
                    "date": entry.get("deployedAt", ""),
                    "message": entry.get("message", ""),
                    "tags": [],
                }
            )
    fail(Code.NOT_FOUND, f"revision {revision}: not in the application's history")
