"""SSO, project role tokens and API keys through the HTTP layer, in-process.

The identity provider is a small aiohttp app speaking the protocol's server side
(discovery, JWKS, a token endpoint that checks the PKCE verifier against the challenge
it was sent); everything else is the real server over the fake cluster.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from gitopsd.model.keys import ResourceKey
from gitopsd.server.accounts import decoded
from tests.unit.server.fakes import NAMESPACE, Harness, app, fill, sign_in

POLICY = """\
p, role:backend-deployer, applications, *, backend/*, allow
g, backend-team, role:backend-deployer
"""
CLIENT = "gitopsd"
SECRET = "client-secret-value"
APPS = [app("backend-api", "backend"), app("frontend-web", "frontend")]
Client = TestClient[Any, Any]
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeIdp:
    """The provider side of the code flow, just enough to be strict about it."""

    def __init__(self) -> None:
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (PKCE challenge, ID token)
        self.token_requests: list[dict[str, str]] = []
        self.issuer = ""
        self.app = web.Application()
        self.app.router.add_get("/.well-known/openid-configuration", self.discovery)
        self.app.router.add_get("/jwks", self.jwks)
        self.app.router.add_post("/token", self.token)

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
            }
        )

    async def jwks(self, request: web.Request) -> web.Response:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
        return web.json_response({"keys": [{**public, "kid": "idp-1", "use": "sig"}]})

    async def token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_requests.append({k: str(v) for k, v in form.items()})
        expected = "Basic " + base64.b64encode(f"{CLIENT}:{SECRET}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"error": "invalid_client"}, status=401)
        found = self.codes.pop(str(form.get("code")), None)  # a code works once
        if found is None:
            return web.json_response({"error": "invalid_grant"}, status=400)
        challenge, id_token = found
        verifier = str(form.get("code_verifier") or "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge:
            return web.json_response({"error": "invalid_grant", "why": "pkce"}, status=400)
        return web.json_response({"id_token": id_token, "token_type": "bearer"})

    def id_token(self, now: float, **changes: Any) -> str:
        claims = {
            "iss": self.issuer,
            "sub": "alice-id",
            "aud": [CLIENT],
            "iat": int(now),
            "exp": int(now) + 3600,
            "email": "alice@example.com",
            "groups": ["backend-team"],
            **changes,
        }
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "idp-1"})


def sso_harness(**kwargs: Any) -> Harness:
    return Harness(list(APPS), policy=POLICY, **kwargs)


def configure(h: Harness, idp: FakeIdp, **extra: str) -> None:
    config = {
        "url": "http://gitopsd.test",
        "oidc.config": f"name: Example\nissuer: {idp.issuer}\nclientID: {CLIENT}\n"
        f"clientSecret: $oidc.clientSecret\n",
        **extra,
    }
    secret_key = ResourceKey("", "Secret", NAMESPACE, "gitopsd-secret")
    secret = h.cluster.objects[secret_key]
    secret["data"]["oidc.clientSecret"] = base64.b64encode(SECRET.encode()).decode()
    fill(h.ctx.caches.secret, secret)
    fill(
        h.ctx.caches.config,
        {"metadata": {"name": "gitopsd-cm", "namespace": NAMESPACE}, "data": config},
    )


def with_idp(h: Harness, scenario: Callable[[Client, FakeIdp], Awaitable[Any]]) -> Any:
    async def run(client: Client) -> Any:
        idp = FakeIdp()
        async with TestServer(idp.app) as idp_server:
            idp.issuer = str(idp_server.make_url("")).rstrip("/")
            configure(h, idp)
            return await scenario(client, idp)

    return h.run(run)


def query_of(location: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


async def start_login(
    client: Client, return_url: str = "/applications"
) -> tuple[dict[str, str], str]:
    response = await client.get(
        "/auth/login", params={"return_url": return_url}, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert "Path=/auth/callback" in set_cookie
    return query_of(response.headers["Location"]), response.cookies["gitopsd.oauthstate"].value


async def finish_login(client: Client, state: str, cookie: str, code: str = "code-1") -> Any:
    return await client.get(
        "/auth/callback",
        params={"code": code, "state": state},
        headers={"Cookie": f"gitopsd.oauthstate={cookie}"},
        allow_redirects=False,
    )


def test_sso_sign_in_gives_a_session_whose_groups_drive_rbac() -> None:
    h = sso_harness()

    async def scenario(client: Client, idp: FakeIdp) -> None:
        sent, cookie = await start_login(client)
        assert (
            sent["client_id"] == CLIENT
            and sent["redirect_uri"] == "http://gitopsd.test/auth/callback"
        )
        assert sent["code_challenge_method"] == "S256"
        idp.codes["code-1"] = (
            sent["code_challenge"],
            idp.id_token(h.ctx.clock(), nonce=sent["nonce"]),
        )
        answer = await finish_login(client, sent["state"], cookie)
        assert answer.status == 303, await answer.text()
        assert answer.headers["Location"] == "/applications"
        token = answer.cookies["gitopsd.token"].value
        assert "gitopsd.csrf" in answer.cookies
        assert (
            idp.token_requests[0]["code_verifier"] and "client_secret" not in idp.token_requests[0]
        )
        bearer = {"Authorization": f"Bearer {token}"}
        info = await (await client.get("/api/v1/session/userinfo", headers=bearer)).json()
        assert info == {
            "loggedIn": True,
            "username": "alice-id",
            "iss": idp.issuer,
            "groups": ["backend-team"],
        }
        listed = await (await client.get("/api/v1/applications", headers=bearer)).json()
        assert [a["metadata"]["name"] for a in listed["items"]] == ["backend-api"]
        denied = await client.post(
            "/api/v1/applications/frontend-web/sync", json={}, headers=bearer
        )
        assert denied.status == 403
        synced = await client.post("/api/v1/applications/backend-api/sync", json={}, headers=bearer)
        assert synced.status == 200
        # The same callback again: the state was redeemed (and the code was spent).
        replay = await finish_login(client, sent["state"], cookie)
        assert replay.status == 401 and "gitopsd.token" not in replay.cookies

    with_idp(h, scenario)
    operations = [p["operation"] for _, p in h.cluster.patches if "operation" in p]
    assert [o["initiatedBy"]["username"] for o in operations] == ["alice@example.com"]


CALLBACK_CASES: dict[str, Callable[[FakeIdp, dict[str, str], float], tuple[str, str]]] = {
    # name: (idp, what /auth/login sent, now) -> (state to come back with, ID token)
    "another state": lambda idp, sent, now: (
        sent["state"] + "x",
        idp.id_token(now, nonce=sent["nonce"]),
    ),
    "wrong nonce": lambda idp, sent, now: (sent["state"], idp.id_token(now, nonce="other")),
    "another audience": lambda idp, sent, now: (
        sent["state"],
        idp.id_token(now, nonce=sent["nonce"], aud="x"),
    ),
    "expired": lambda idp, sent, now: (
        sent["state"],
        idp.id_token(now - 7200, nonce=sent["nonce"]),
    ),
    "another issuer": lambda idp, sent, now: (
        sent["state"],
        idp.id_token(now, nonce=sent["nonce"], iss="https://evil.example.com"),
    ),
}


def test_callback_refusals_set_no_session() -> None:
    h = sso_harness()

    async def scenario(client: Client, idp: FakeIdp) -> dict[str, int]:
        statuses = {}
        for name, make in CALLBACK_CASES.items():
            sent, cookie = await start_login(client)
            state, id_token = make(idp, sent, h.ctx.clock())
            idp.codes[name] = (sent["code_challenge"], id_token)
            answer = await finish_login(client, state, cookie, code=name)
            statuses[name] = answer.status
            assert "gitopsd.token" not in answer.cookies
        sent, _ = await start_login(client)
        no_cookie = await client.get(
            "/auth/callback", params={"code": "c", "state": sent["state"]}, allow_redirects=False
        )
        statuses["no state cookie"] = no_cookie.status
        return statuses

    statuses = with_idp(h, scenario)
    assert statuses == dict.fromkeys([*CALLBACK_CASES, "no state cookie"], 401)
    assert h.cluster.patches == []


def test_sso_refuses_open_redirects_and_says_when_unconfigured() -> None:
    h = sso_harness()

    async def scenario(client: Client, idp: FakeIdp) -> None:
        for target in ("https://evil.example.com/", "//evil.example.com", "/\\evil.example.com"):
            answer = await client.get(
                "/auth/login", params={"return_url": target}, allow_redirects=False
            )
            assert answer.status == 400 and "Location" not in answer.headers
        settings = await (await client.get("/api/v1/settings")).json()
        assert settings["url"] == "http://gitopsd.test"
        assert settings["oidcConfig"]["name"] == "Example"
        assert SECRET not in json.dumps(settings)

    with_idp(h, scenario)

    async def unconfigured(client: Client) -> None:
        answer = await client.get("/auth/login", allow_redirects=False)
        assert answer.status == 404 and "not configured" in (await answer.json())["message"]
        assert "oidcConfig" not in await (await client.get("/api/v1/settings")).json()

    sso_harness().run(unconfigured)


def test_id_tokens_are_bearer_tokens_for_the_cli() -> None:
    h = sso_harness()

    async def scenario(client: Client, idp: FakeIdp) -> list[int]:
        now = h.ctx.clock()
        tokens = [
            idp.id_token(now),
            idp.id_token(now, aud="another-client"),
            idp.id_token(now - 7200),
            idp.id_token(now, iss="https://elsewhere.example.com"),
        ]
        statuses = []
        for token in tokens:
            answer = await client.get(
                "/api/v1/applications", headers={"Authorization": f"Bearer {token}"}
            )
            statuses.append(answer.status)
        good = {"Authorization": f"Bearer {tokens[0]}"}
        listed = await (await client.get("/api/v1/applications", headers=good)).json()
        assert [a["metadata"]["name"] for a in listed["items"]] == ["backend-api"]
        assert (await client.delete("/api/v1/session", headers=good)).status == 200
        statuses.append((await client.get("/api/v1/applications", headers=good)).status)
        return statuses

    assert with_idp(h, scenario) == [200, 401, 401, 401, 401]


# --- project role tokens ------------------------------------------------------------------
def project(name: str, roles: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name, "namespace": NAMESPACE, "resourceVersion": "3"},
        "spec": {"roles": roles},
    }


CI_ROLE = {"name": "ci", "policies": ["p, proj:backend:ci, applications, sync, backend/*, allow"]}
PROJECT_KEY = ResourceKey("gitopsd.io", "AppProject", NAMESPACE, "backend")


def test_project_role_token_is_recorded_used_and_revoked() -> None:
    h = Harness(
        list(APPS), projects=[project("backend", [dict(CI_ROLE)])], accounts={"alice": "alice-pass"}
    )

    async def scenario(client: Client) -> None:
        admin = {
            "Authorization": f"Bearer {(await sign_in(client, 'admin', 'admin-pass'))['token']}"
        }
        created = await client.post(
            "/api/v1/projects/backend/roles/ci/token",
            json={"expiresIn": 3600, "id": "ci-1"},
            headers=admin,
        )
        assert created.status == 200, await created.text()
        token = (await created.json())["token"]
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["sub"] == "proj:backend:ci" and claims["jti"] == "ci-1"
        recorded = h.cluster.objects[PROJECT_KEY]["spec"]["roles"][0]["jwtTokens"]
        assert recorded == [{"iat": claims["iat"], "exp": claims["exp"], "id": "ci-1"}]
        assert token not in json.dumps(h.cluster.objects[PROJECT_KEY])
        h.sync_cache(h.ctx.caches.projects, PROJECT_KEY)
        ci = {"Authorization": f"Bearer {token}"}
        sync = "/api/v1/applications/{}/sync"
        assert (await client.post(sync.format("backend-api"), json={}, headers=ci)).status == 200
        assert (await client.post(sync.format("frontend-web"), json={}, headers=ci)).status == 403
        alice = {
            "Authorization": f"Bearer {(await sign_in(client, 'alice', 'alice-pass'))['token']}"
        }
        refused = await client.post(
            "/api/v1/projects/backend/roles/ci/token", json={}, headers=alice
        )
        assert refused.status == 403
        revoke = f"/api/v1/projects/backend/roles/ci/token/{claims['iat']}"
        assert (await client.delete(revoke, headers=admin)).status == 200
        assert h.cluster.objects[PROJECT_KEY]["spec"]["roles"][0]["jwtTokens"] == []
        assert (await client.get("/api/v1/applications", headers=ci)).status == 401
        h.sync_cache(h.ctx.caches.projects, PROJECT_KEY)
        h.ctx.revoked_here.clear()  # another replica: it only has the AppProject's word
        assert (await client.get("/api/v1/applications", headers=ci)).status == 401
        assert (await client.delete(revoke, headers=admin)).status == 404

    h.run(scenario)


# --- account API keys ---------------------------------------------------------------------
SECRET_KEY = ResourceKey("", "Secret", NAMESPACE, "gitopsd-secret")


def test_api_keys_need_the_capability_and_are_revocable() -> None:
    h = Harness(
        list(APPS),
        accounts={"alice": "alice-pass"},
        config={"accounts.ci": "apiKey", "accounts.alice": "login"},
    )

    async def scenario(client: Client) -> None:
        admin = {
            "Authorization": f"Bearer {(await sign_in(client, 'admin', 'admin-pass'))['token']}"
        }
        no_capability = await client.post("/api/v1/account/alice/token", json={}, headers=admin)
        assert no_capability.status == 400
        created = await client.post("/api/v1/account/ci/token", json={"id": "k1"}, headers=admin)
        assert created.status == 200, await created.text()
        token = (await created.json())["token"]
        stored = json.loads(decoded(h.cluster.objects[SECRET_KEY])["accounts.ci.tokens"])
        assert stored[0]["id"] == "k1" and "exp" not in stored[0]
        h.sync_cache(h.ctx.caches.secret, SECRET_KEY)
        key = {"Authorization": f"Bearer {token}"}
        info = await (await client.get("/api/v1/session/userinfo", headers=key)).json()
        assert info["username"] == "ci"
        listed = await (await client.get("/api/v1/account/ci", headers=admin)).json()
        assert listed["tokens"][0]["id"] == "k1" and token not in json.dumps(listed)
        assert (await client.delete("/api/v1/account/ci/token/k1", headers=admin)).status == 200
        h.sync_cache(h.ctx.caches.secret, SECRET_KEY)
        h.ctx.revoked_here.clear()
        assert (await client.get("/api/v1/applications", headers=key)).status == 401

    h.run(scenario)


def test_scopes_name_the_claims_rbac_reads() -> None:
    """``scopes: [groups, email]`` (Argo CD's usual setting) makes the e-mail a subject."""
    policy = POLICY + "p, alice@example.com, applications, get, frontend/*, allow\n"
    h = Harness(list(APPS), policy=policy)
    rbac = {"metadata": {"name": "gitopsd-rbac-cm", "namespace": NAMESPACE}}

    async def scenario(client: Client, idp: FakeIdp) -> list[list[str]]:
        seen = []
        for scopes in ("", "[groups, email]"):
            fill(h.ctx.caches.rbac, {**rbac, "data": {"policy.csv": policy, "scopes": scopes}})
            sent, cookie = await start_login(client)
            nonce = sent["nonce"]
            code = f"code-{len(seen)}"
            idp.codes[code] = (sent["code_challenge"], idp.id_token(h.ctx.clock(), nonce=nonce))
            answer = await finish_login(client, sent["state"], cookie, code=code)
            session = {"Authorization": f"Bearer {answer.cookies['gitopsd.token'].value}"}
            listed = await (await client.get("/api/v1/applications", headers=session)).json()
            seen.append(sorted(a["metadata"]["name"] for a in listed["items"]))
        return seen

    assert with_idp(h, scenario) == [["backend-api"], ["backend-api", "frontend-web"]]
