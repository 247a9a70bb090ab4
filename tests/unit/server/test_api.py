"""The HTTP layer in-process: authentication before anything, CSRF for cookie sessions,
lists filtered by RBAC before query filters, security headers, and Argo CD's shapes."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from gitopsd.errors import Conflict
from gitopsd.model.annotations import RESOURCES_FINALIZER
from gitopsd.model.keys import ResourceKey
from gitopsd.server.csrf import csrf_ok, csrf_token
from tests.unit.server.fakes import Harness, app, bearer, sign_in

POLICY = """\
p, role:backend-deployer, applications, *, backend/*, allow
g, backend-team, role:backend-deployer
g, alice, backend-team
"""
APPS = [app("backend-api", "backend"), app("frontend-web", "frontend")]
Client = TestClient[Any, Any]


def harness() -> Harness:
    return Harness(list(APPS), policy=POLICY, accounts={"alice": "alice-pass"})


def test_csrf_rules() -> None:
    token = csrf_token("key", "session")
    assert csrf_ok("GET", True, None, token)
    assert csrf_ok("POST", False, None, token)  # bearer tokens are not sent by browsers
    assert not csrf_ok("POST", True, None, token)
    assert not csrf_ok("DELETE", True, "0" * 64, token)
    assert csrf_ok("PUT", True, token, token)
    assert csrf_token("key", "other") != token


def test_cookie_sessions_need_the_csrf_header_to_change_anything() -> None:
    h = harness()

    async def scenario(client: Client) -> None:
        signed = await sign_in(client, "admin", "admin-pass")
        cookie = "; ".join(f"{k}={v}" for k, v in signed["cookies"].items())
        headers = {"Cookie": cookie}
        path = "/api/v1/applications/frontend-web/sync"
        assert (await client.get("/api/v1/applications", headers=headers)).status == 200
        refused = await client.post(path, json={}, headers=headers)
        assert refused.status == 403
        assert "X-CSRF-Token" in (await refused.json())["message"]
        assert h.cluster.patches == []
        with_token = {**headers, "X-CSRF-Token": signed["cookies"]["gitopsd.csrf"]}
        assert (await client.post(path, json={}, headers=with_token)).status == 200
        bearer = {"Authorization": f"Bearer {signed['token']}"}
        assert (await client.post(path, json={}, headers=bearer)).status in (200, 400)

    h.run(scenario)
    assert len(h.cluster.patches) >= 1


def test_session_cookies_are_httponly_and_strict() -> None:
    h = harness()

    async def scenario(client: Client) -> list[str]:
        return (await sign_in(client, "admin", "admin-pass"))["set-cookie"]

    cookies = h.run(scenario)
    token = next(c for c in cookies if c.startswith("gitopsd.token="))
    assert "HttpOnly" in token and "SameSite=Strict" in token and "Path=/" in token
    csrf = next(c for c in cookies if c.startswith("gitopsd.csrf="))
    assert "HttpOnly" not in csrf and "SameSite=Strict" in csrf


def test_lists_are_filtered_by_rbac_before_query_filters() -> None:
    h = harness()

    async def scenario(client: Client) -> None:
        alice = {
            "Authorization": f"Bearer {(await sign_in(client, 'alice', 'alice-pass'))['token']}"
        }

        async def names(**query: str) -> list[str]:
            response = await client.get("/api/v1/applications", params=query, headers=alice)
            assert response.status == 200
            return [a["metadata"]["name"] for a in (await response.json())["items"]]

        assert await names() == ["backend-api"]
        assert await names(projects="frontend") == []
        assert await names(search="front") == []
        assert await names(selector="team=frontend") == []
        assert await names(selector="team in (backend,frontend)") == ["backend-api"]
        for path in ("", "/resource-tree", "/events", "/managed-resources"):
            got = await client.get(f"/api/v1/applications/frontend-web{path}", headers=alice)
            assert got.status == 403, path
            assert (await got.json()) == {
                "error": "permission denied",
                "code": 7,
                "message": "permission denied",
            }
        missing = await client.get("/api/v1/applications/nope", headers=alice)
        assert missing.status == 403
        refused = await client.post(
            "/api/v1/applications/frontend-web/sync", json={}, headers=alice
        )
        assert refused.status == 403

    h.run(scenario)
    assert h.cluster.patches == []


def test_no_token_no_answer_and_tokens_in_urls_are_ignored() -> None:
    h = harness()

    async def scenario(client: Client) -> None:
        token = (await sign_in(client, "admin", "admin-pass"))["token"]
        client.session.cookie_jar.clear()
        assert (await client.get("/api/v1/applications")).status == 401
        assert (await client.get(f"/api/v1/applications?token={token}")).status == 401
        wrong = await client.get("/api/v1/applications", headers={"Authorization": "Bearer x.y.z"})
        assert wrong.status == 401
        bad = await client.post("/api/v1/session", json={"username": "admin", "password": "no"})
        assert bad.status == 401
        assert (await bad.json())["message"] == "Invalid username or password"
        unknown = await client.post("/api/v1/session", json={"username": "zed", "password": "no"})
        assert (await unknown.json()) == (await bad.json()) | {}

    h.run(scenario)


def test_security_headers_on_api_and_static_answers() -> None:
    h = harness()

    async def scenario(client: Client) -> None:
        for path in ("/", "/api/v1/applications", "/api/version", "/applications/x"):
            response = await client.get(path)
            csp = response.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path
            assert response.headers["X-Content-Type-Options"] == "nosniff", path
            assert response.headers["X-Frame-Options"] == "DENY", path
        escape = await client.get("/..%2F..%2F..%2F..%2Fetc%2Fhosts")
        assert escape.status == 404
        assert "localhost" not in await escape.text()
        assert (await client.get("/static/missing.js")).status == 404
        index = await client.get("/applications/x")
        assert index.status == 200 and "gitopsd" in await index.text()

    h.run(scenario)


def test_sync_writes_the_operation_as_the_signed_in_user() -> None:
    h = harness()

    async def scenario(client: Client) -> None:
        token = (await sign_in(client, "alice", "alice-pass"))["token"]
        body = {
            "revision": "abc123",
            "prune": True,
            "dryRun": True,
            "resources": [{"group": "apps", "kind": "Deployment", "namespace": "b", "name": "api"}],
            "syncOptions": {"items": ["CreateNamespace=true"]},
        }
        response = await client.post(
            "/api/v1/applications/backend-api/sync",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status == 200, await response.text()

    h.run(scenario)
    ((_, patch),) = h.cluster.patches
    operation = patch["operation"]
    assert patch["metadata"] == {"resourceVersion": "7"}
    assert operation["initiatedBy"] == {"username": "alice"}
    assert operation["sync"] == {
        "revision": "abc123",
        "prune": True,
        "dryRun": True,
        "resources": [{"group": "apps", "kind": "Deployment", "namespace": "b", "name": "api"}],
        "syncOptions": ["CreateNamespace=true"],
    }
    (event,) = h.cluster.events
    assert event["reason"] == "OperationStarted"
    assert event["message"] == "alice initiated sync to abc123 (dry run)"


async def delete_backend_api_as_alice(client: Client) -> ClientResponse:
    headers = await bearer(client, "alice", "alice-pass")
    return await client.delete("/api/v1/applications/backend-api", headers=headers)


def test_a_delete_refused_for_a_newer_version_is_made_again_on_the_fresh_application() -> None:
    h = harness()
    key = ResourceKey("gitopsd.io", "Application", "gitopsd", "backend-api")
    # The controller wrote the status since the cache's copy (resourceVersion 7), and
    # added a finalizer of its own that the new patch must keep.
    newer = app("backend-api", "backend")
    newer["metadata"].update(resourceVersion="8", finalizers=["example.com/keep"])
    h.cluster.objects[key] = newer
    patch_as_server_would = h.cluster.merge_patch

    def guarded(target: ResourceKey, patch: dict[str, Any]) -> dict[str, Any]:
        current = h.cluster.objects[target]["metadata"]["resourceVersion"]
        if patch["metadata"]["resourceVersion"] != current:
            raise Conflict("the object has been modified", status=409)
        return patch_as_server_would(target, patch)

    h.cluster.merge_patch = guarded  # type: ignore[method-assign]

    async def scenario(client: Client) -> None:
        response = await delete_backend_api_as_alice(client)
        assert response.status == 200, await response.text()

    h.run(scenario)
    (written,) = [patch for _, patch in h.cluster.patches]
    assert written["metadata"] == {
        "finalizers": ["example.com/keep", RESOURCES_FINALIZER],
        "resourceVersion": "8",
    }
    assert h.cluster.deletes == [key]


def test_a_delete_that_keeps_conflicting_answers_the_conflict() -> None:
    h = harness()
    key = ResourceKey("gitopsd.io", "Application", "gitopsd", "backend-api")
    h.cluster.objects[key] = app("backend-api", "backend")

    def always_newer(target: ResourceKey, patch: dict[str, Any]) -> dict[str, Any]:
        raise Conflict("the object has been modified", status=409)

    h.cluster.merge_patch = always_newer  # type: ignore[method-assign]

    async def scenario(client: Client) -> None:
        response = await delete_backend_api_as_alice(client)
        assert response.status == 409

    h.run(scenario)
    assert h.cluster.deletes == []  # nothing deleted without the finalizer it asked for
