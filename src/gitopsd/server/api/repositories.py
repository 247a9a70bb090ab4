"""``/api/v1/repositories``: list and add Git repositories (Argo CD's paths and shapes).

A repository is a ``gitopsd.io/secret-type: repository`` Secret in the Application
namespace (:mod:`gitopsd.source.repo_secrets`). Credentials are write-only: ``GET``
answers ``repo``, ``type``, ``name``, ``project`` and whether credentials are set, never
their values. RBAC objects are the repository URL (``repositories get|create <url>``),
``<project>/<url>`` for a project-scoped repository, as in Argo CD.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gitopsd.errors import Conflict
from gitopsd.server.api import common as api
from gitopsd.source.repo_secrets import is_repository, repository_secret, repository_view


def _object(view: dict[str, Any]) -> str:
    return f"{view['project']}/{view['repo']}" if view["project"] else str(view["repo"])


async def list_repositories(request: web.Request) -> web.StreamResponse:
    ctx = api.context(request)
    views = [repository_view(s) for s in ctx.caches.repositories.items() if is_repository(s)]
    kept = [v for v in views if api.allowed(request, "repositories", "get", _object(v))]
    return api.reply({"items": sorted(kept, key=lambda v: str(v["repo"])), "metadata": {}})


async def create_repository(request: web.Request) -> web.StreamResponse:
    ctx = api.context(request)
    body = await api.json_body(request, limit=64 * 1024)
    secret = repository_secret(ctx.namespace, body)  # ConfigError: 400
    view = repository_view(secret)
    api.authorize(request, "repositories", "create", _object(view), project=str(view["project"]))
    try:
        await api.blocking(ctx.cluster.create, secret)
    except Conflict:
        api.audit(request, "create", "repositories", "failed", obj=view["repo"], message="exists")
        api.fail(api.Code.ALREADY_EXISTS, f"repository {view['repo']} already exists")
    api.audit(request, "create", "repositories", "allowed", obj=view["repo"])
    return api.reply(view)
