"""``POST /api/v1/applications``: create an Application (Argo CD's path; ``gitopsd app
create`` through the server).

The body is an Application manifest (``apiVersion`` ``gitopsd.io/v1alpha1`` or Argo CD's,
which is rewritten). It is created in the control-plane namespace only, after
``applications create <project>/<name>`` is authorized and its spec parses; the
controller then checks it against its AppProject as for any other Application. Only
``metadata.name``, ``labels``, ``annotations``, ``finalizers`` and ``spec`` are kept:
nobody writes ``status`` or ``operation`` this way. An existing application answers 409
(``?upsert=true`` is not offered: changing an application is ``PATCH …/spec``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gitopsd.errors import Conflict, SpecError
from gitopsd.model.annotations import GROUP
from gitopsd.server.api import common as api
from gitopsd.server.views import project_of
from gitopsd.spec import parse_application_spec

API_VERSION = f"{GROUP}/v1alpha1"
ACCEPTED_API_VERSIONS = (API_VERSION, "argoproj.io/v1alpha1")
KEPT_METADATA = ("labels", "annotations", "finalizers")


def application_body(body: dict[str, Any], namespace: str) -> dict[str, Any]:
    """The Application to create from a request body; 400 for anything else."""
    if body.get("kind", "Application") != "Application":
        api.fail(api.Code.INVALID_ARGUMENT, "kind: must be Application")
    if body.get("apiVersion", API_VERSION) not in ACCEPTED_API_VERSIONS:
        api.fail(api.Code.INVALID_ARGUMENT, f"apiVersion: must be {API_VERSION}")
    metadata = body.get("metadata") or {}
    name = str(metadata.get("name") or "") if isinstance(metadata, dict) else ""
    if not name:
        api.fail(api.Code.INVALID_ARGUMENT, "metadata.name is required")
    if metadata.get("namespace") not in (None, "", namespace):
        api.fail(
            api.Code.INVALID_ARGUMENT,
            f"metadata.namespace: applications are created in {namespace}",
        )
    spec = body.get("spec")
    if not isinstance(spec, dict):
        api.fail(api.Code.INVALID_ARGUMENT, "spec is required")
    try:
        parse_application_spec(spec)
    except SpecError as error:
        api.fail(api.Code.INVALID_ARGUMENT, f"spec: {error}")
    kept = {k: metadata[k] for k in KEPT_METADATA if metadata.get(k)}
    return {
        "apiVersion": API_VERSION,
        "kind": "Application",
        "metadata": {**kept, "name": name, "namespace": namespace},
        "spec": spec,
    }


async def create_application(request: web.Request) -> web.StreamResponse:
    ctx = api.context(request)
    app = application_body(await api.json_body(request), ctx.namespace)
    name, project = app["metadata"]["name"], project_of(app)
    api.authorize(request, "applications", "create", f"{project}/{name}", project=project)
    try:
        created: dict[str, Any] = await api.blocking(ctx.cluster.create, app)
    except Conflict:
        api.fail(api.Code.ALREADY_EXISTS, f'applications.gitopsd.io "{name}" already exists')
    api.audit(
        request, "create", "applications", "allowed", obj=f"{project}/{name}", project=project
    )
    message = f"{api.principal(request).display_name} created the application"
    await api.blocking(ctx.audit.event, created, "ResourceCreated", message)
    return api.reply(created)
