"""``/api/v1/repositories``: list and add Git repositories (Argo CD's paths and shapes).

A repository is a ``gitopsd.io/secret-type: repository`` Secret in the Application
namespace, in Argo CD's shape (``url``, ``type``, ``name``, ``project``, ``username``,
``password``, ``sshPrivateKey``, ``insecure``), named ``repo-<hash of the URL>`` as Argo
CD names them. Credentials are write-only: ``GET`` answers ``repo``, ``type``, ``name``,
``project`` and whether credentials are set, never their values. RBAC objects are the
repository URL (``repositories get|create <url>``); a project-scoped repository is also
``<project>/<url>``, as in Argo CD.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from aiohttp import web

from gitopsd.errors import Conflict
from gitopsd.model.annotations import SECRET_TYPE_LABEL, SECRET_TYPE_REPOSITORY
from gitopsd.server.api.common import (
    Code,
    allowed,
    audit,
    authorize,
    blocking,
    context,
    fail,
    json_body,
    reply,
)
from gitopsd.source.endpoints import parse_endpoint

CREDENTIAL_FIELDS = ("username", "password", "sshPrivateKey")
PLAIN_FIELDS = ("name", "project")
TYPES = ("git", "helm")


def _decoded(secret: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in (secret.get("data") or {}).items():
        try:
            out[str(key)] = base64.b64decode(str(value)).decode()
        except ValueError:
            continue
    return out


def repository_view(secret: dict[str, Any]) -> dict[str, Any]:
    """What may be shown of a repository Secret: never a credential."""
    data = _decoded(secret)
    view: dict[str, Any] = {
        "repo": data.get("url", ""),
        "type": data.get("type") or "git",
        "name": data.get("name", ""),
        "project": data.get("project", ""),
        "insecure": data.get("insecure", "").lower() == "true",
        "hasCredentials": any(data.get(f) for f in CREDENTIAL_FIELDS),
    }
    return view


def _object(view: dict[str, Any]) -> str:
    return f"{view['project']}/{view['repo']}" if view["project"] else str(view["repo"])


async def list_repositories(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    labels = SECRET_TYPE_REPOSITORY
    views = [
        repository_view(s)
        for s in ctx.caches.repositories.items()
        if ((s.get("metadata") or {}).get("labels") or {}).get(SECRET_TYPE_LABEL) == labels
    ]
    kept = [v for v in views if allowed(request, "repositories", "get", _object(v))]
    return reply({"items": sorted(kept, key=lambda v: str(v["repo"])), "metadata": {}})


def secret_name(url: str) -> str:
    return "repo-" + hashlib.sha256(url.encode()).hexdigest()[:10]


def repository_secret(namespace: str, body: dict[str, Any]) -> dict[str, Any]:
    """The Secret for a ``POST`` body; 400 naming the first bad field."""
    url = str(body.get("repo") or "").strip()
    if not url or parse_endpoint(url) is None:
        fail(Code.INVALID_ARGUMENT, "repo: a Git URL (https://, http://, ssh:// or git@host:path)")
    kind = str(body.get("type") or "git")
    if kind not in TYPES:
        fail(Code.INVALID_ARGUMENT, "type: git or helm")
    data = {"url": url, "type": kind}
    for field in (*PLAIN_FIELDS, *CREDENTIAL_FIELDS):
        value = body.get(field)
        if value is not None and not isinstance(value, str):
            fail(Code.INVALID_ARGUMENT, f"{field}: must be a string")
        if value:
            data[field] = value
    if body.get("insecure"):
        data["insecure"] = "true"
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": secret_name(url),
            "namespace": namespace,
            "labels": {SECRET_TYPE_LABEL: SECRET_TYPE_REPOSITORY},
        },
        "type": "Opaque",
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


async def create_repository(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    body = await json_body(request, limit=64 * 1024)
    secret = repository_secret(ctx.namespace, body)
    view = repository_view(secret)
    authorize(request, "repositories", "create", _object(view), project=str(view["project"]))
    try:
        await blocking(ctx.cluster.create, secret)
    except Conflict:
        audit(request, "create", "repositories", "failed", obj=view["repo"], message="exists")
        fail(Code.ALREADY_EXISTS, f"repository {view['repo']} already exists")
    audit(request, "create", "repositories", "allowed", obj=view["repo"])
    return reply(view)
