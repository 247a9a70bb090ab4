"""Every route of the server, in one table: the aiohttp router and the OpenAPI document
are both built from it (``test_openapi`` checks they agree).

``rbac`` names the resource and action a route is authorized for (documentation; the
handler enforces it before reading or writing anything).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from gitopsd.server.api import (
    account,
    app_create,
    applications,
    catalog,
    repositories,
    resources,
    session,
    sso,
    static,
    stream,
    tokens,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
APP = "/api/v1/applications/{name}"
ROLE_TOKEN = "/api/v1/projects/{name}/roles/{role}/token"
ACCOUNT = "/api/v1/account/{name}"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    rbac: str = ""
    query: tuple[str, ...] = ()
    body: str = ""  # a schema name in openapi.SCHEMAS
    response: str = "object"
    public: bool = False


async def _openapi(request: web.Request) -> web.StreamResponse:
    from gitopsd.server.api.openapi import openapi_document

    return web.json_response(openapi_document(ROUTES))


LIST_FILTERS = (
    "name", "projects", "selector", "search", "repo",
    "sync", "health", "cluster", "namespace", "appNamespace",
)  # fmt: skip

ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/v1/session", session.create_session, "Sign in; returns a session token",
          "session", body="SessionCreateRequest", response="SessionResponse", public=True),
    Route("DELETE", "/api/v1/session", session.delete_session, "Sign out (revokes the session)",
          "session"),
    Route("GET", "/api/v1/session/userinfo", session.userinfo, "Who is signed in", "session",
          response="UserInfo", public=True),
    Route("GET", "/api/v1/account/can-i/{resource}/{action}/{subresource:.*}", account.can_i,
          "Whether the caller may do action on an object: {value: yes|no}", "account"),
    Route("PUT", "/api/v1/account/password", account.update_password,
          "Change a local account's password (ends its earlier sessions)", "account",
          body="PasswordUpdateRequest"),
    Route("GET", "/api/v1/settings", sso.settings,
          "Public settings: the server's url and whether SSO is configured", "settings",
          response="Settings", public=True),
    Route("GET", "/auth/login", sso.login,
          "SSO: redirect to the identity provider (return_url: a path on this server)",
          "session", query=("return_url",), response="redirect", public=True),
    Route("GET", "/auth/callback", sso.callback,
          "SSO: the identity provider's redirect back; signs in and redirects to return_url",
          "session", query=("code", "state"), response="redirect", public=True),
    Route("GET", ACCOUNT, tokens.get_account, "A local account and its API keys' ids",
          "account", rbac="accounts get"),
    Route("POST", f"{ACCOUNT}/token", tokens.create_account_token,
          "Issue an API key for an account with the apiKey capability", "account",
          rbac="accounts update", body="TokenCreateRequest", response="TokenResponse"),
    Route("DELETE", f"{ACCOUNT}/token/{{id}}", tokens.delete_account_token,
          "Revoke an account's API key", "account", rbac="accounts update"),
    Route("POST", "/api/v1/applications", app_create.create_application,
          "Create an application", "applications", rbac="applications create",
          body="Application", response="Application"),
    Route("GET", "/api/v1/applications", applications.list_applications,
          "List applications the user may get", "applications", rbac="applications get",
          query=LIST_FILTERS, response="ApplicationList"),
    Route("GET", APP, applications.get_application, "Get an application; ?refresh=normal|hard",
          "applications", rbac="applications get", query=("appNamespace", "refresh"),
          response="Application"),
    Route("DELETE", APP, applications.delete_application,
          "Delete an application; cascade=false leaves its resources", "applications",
          rbac="applications delete", query=("appNamespace", "cascade")),
    Route("POST", f"{APP}/sync", applications.sync_application, "Request a sync operation",
          "applications", rbac="applications sync", query=("appNamespace",),
          body="ApplicationSyncRequest", response="Application"),
    Route("PUT", f"{APP}/rollback", applications.rollback_application,
          "Roll back to a history entry (refused under automated sync)", "applications",
          rbac="applications sync", query=("appNamespace",), body="ApplicationRollbackRequest",
          response="Application"),
    Route("DELETE", f"{APP}/operation", applications.terminate_operation,
          "Terminate the running operation", "applications", rbac="applications sync",
          query=("appNamespace",)),
    Route("PATCH", f"{APP}/spec", applications.patch_spec,
          "Merge-patch spec.syncPolicy.automated (pause/resume with enabled)", "applications",
          rbac="applications update", query=("appNamespace",), body="ApplicationSpecPatch",
          response="Application"),
    Route("GET", f"{APP}/resource-tree", resources.get_resource_tree,
          "The application's objects and the objects they own", "applications",
          rbac="applications get", query=("appNamespace",), response="ApplicationTree"),
    Route("GET", f"{APP}/managed-resources", resources.managed_resources,
          "Live state (Secrets masked) and sync status of each managed object",
          "applications", rbac="applications get", query=("appNamespace",)),
    Route("GET", f"{APP}/resource", resources.get_resource, "One live object of the application",
          "applications", rbac="applications get",
          query=("appNamespace", "namespace", "resourceName", "version", "group", "kind")),
    Route("GET", f"{APP}/events", resources.list_events, "Events about the application",
          "applications", rbac="applications get",
          query=("appNamespace", "resourceUID", "resourceName", "resourceNamespace")),
    Route("GET", f"{APP}/revisions/{{revision}}/metadata", resources.revision_metadata,
          "Author, date and message of a deployed revision", "applications",
          rbac="applications get", query=("appNamespace",)),
    Route("GET", "/api/v1/stream/applications", stream.stream_applications,
          "Application changes as Server-Sent Events", "applications", rbac="applications get",
          query=("name", "projects", "selector", "resourceVersion", "appNamespace"),
          response="stream"),
    Route("GET", "/api/v1/projects", catalog.list_projects, "List projects", "projects",
          rbac="projects get"),
    Route("GET", "/api/v1/projects/{name}", catalog.get_project, "Get a project", "projects",
          rbac="projects get"),
    Route("POST", ROLE_TOKEN, tokens.create_project_token,
          "Issue a JWT for a project role (recorded in its jwtTokens)", "projects",
          rbac="projects update", body="TokenCreateRequest", response="TokenResponse"),
    Route("DELETE", f"{ROLE_TOKEN}/{{iat}}", tokens.delete_project_token,
          "Revoke a project role's token(s) issued at iat (?id= narrows)", "projects",
          rbac="projects update", query=("id",)),
    Route("GET", "/api/v1/repositories", repositories.list_repositories,
          "List repositories (never their credentials)", "repositories",
          rbac="repositories get"),
    Route("POST", "/api/v1/repositories", repositories.create_repository,
          "Add a repository (a repository Secret; credentials write-only)", "repositories",
          rbac="repositories create", body="RepositoryCreateRequest"),
    Route("GET", "/api/v1/applicationsets", catalog.list_appsets, "List ApplicationSets",
          "applicationsets", rbac="applicationsets get"),
    Route("GET", "/api/v1/applicationsets/{name}", catalog.get_appset, "Get an ApplicationSet",
          "applicationsets", rbac="applicationsets get"),
    Route("GET", "/api/v1/clusters", catalog.list_clusters,
          "List clusters (never their credentials)", "clusters", rbac="clusters get"),
    Route("GET", "/api/version", catalog.version, "The server's version", "meta", public=True),
    Route("GET", "/api/v1/openapi.json", _openapi, "This document", "meta",
          public=True),
    Route("GET", "/healthz", catalog.healthz, "200 once the watch caches are filled", "meta",
          public=True),
    Route("GET", "/{path:.*}", static.serve_static, "The web UI's files", "meta", public=True,
          response="html"),
)  # fmt: skip


def add_routes(app: web.Application) -> None:
    for route in ROUTES:
        handler = route.handler
        if route.public:
            setattr(handler, "gitopsd.public", True)
        app.router.add_route(route.method, route.path, handler)
