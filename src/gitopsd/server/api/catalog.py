"""Read-only lists: AppProjects, ApplicationSets, clusters; and the public version and
health endpoints.

Each list keeps only what the user may ``get``: projects by name, ApplicationSets as
``<project>/<name>`` (the project of their template), clusters by server URL. Clusters
never carry credentials: the cache holds cluster Secrets without their ``config``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from aiohttp import web

import gitopsd
from gitopsd.model.annotations import IN_CLUSTER_SERVER
from gitopsd.server.api.common import Code, allowed, authorize, context, fail, reply
from gitopsd.server.api.middleware import public
from gitopsd.server.views import name_of

IN_CLUSTER = {"name": "in-cluster", "server": IN_CLUSTER_SERVER, "namespaces": []}


def _items(
    request: web.Request, objects: list[dict[str, Any]], resource: str, obj: Any
) -> web.StreamResponse:
    kept = [o for o in objects if allowed(request, resource, "get", obj(o))]
    return reply({"items": kept, "metadata": {}})


async def list_projects(request: web.Request) -> web.StreamResponse:
    return _items(request, context(request).caches.projects.items(), "projects", name_of)


async def get_project(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    authorize(request, "projects", "get", name)
    found = context(request).caches.projects.get(context(request).namespace, name)
    if found is None:
        fail(Code.NOT_FOUND, f'appprojects.gitopsd.io "{name}" not found')
    return reply(found)


def appset_object(appset: Mapping[str, Any]) -> str:
    template = ((appset.get("spec") or {}).get("template") or {}).get("spec") or {}
    return f"{template.get('project') or 'default'}/{name_of(appset)}"


async def list_appsets(request: web.Request) -> web.StreamResponse:
    return _items(
        request, context(request).caches.appsets.items(), "applicationsets", appset_object
    )


async def get_appset(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    name = request.match_info["name"]
    found = ctx.caches.appsets.get(ctx.namespace, name)
    obj = appset_object(found) if found is not None else f"*/{name}"
    authorize(request, "applicationsets", "get", obj)
    if found is None:
        fail(Code.NOT_FOUND, f'applicationsets.gitopsd.io "{name}" not found')
    return reply(found)


def cluster_view(secret: Mapping[str, Any]) -> dict[str, Any]:
    data = {
        key: base64.b64decode(str(value)).decode(errors="replace")
        for key, value in (secret.get("data") or {}).items()
    }
    namespaces = [n.strip() for n in data.get("namespaces", "").split(",") if n.strip()]
    view: dict[str, Any] = {
        "name": data.get("name") or name_of(secret),
        "server": data.get("server", "").rstrip("/"),
        "namespaces": namespaces,
    }
    if data.get("project"):
        view["project"] = data["project"]
    return view


async def list_clusters(request: web.Request) -> web.StreamResponse:
    views = [cluster_view(s) for s in context(request).caches.clusters.items()]
    if not any(v["server"] == IN_CLUSTER_SERVER for v in views):
        views.insert(0, dict(IN_CLUSTER))
    kept = [v for v in views if allowed(request, "clusters", "get", v["server"])]
    return reply({"items": kept, "metadata": {}})


@public
async def version(request: web.Request) -> web.StreamResponse:
    return reply({"Version": gitopsd.__version__})


@public
async def healthz(request: web.Request) -> web.StreamResponse:
    """200 once every watch cache has listed its objects, else 503."""
    waiting = [str(c.scope) for c in context(request).caches.all if not c.ready]
    if waiting:
        return web.json_response({"status": "starting", "waiting": waiting}, status=503)
    return web.json_response({"status": "ok"})
