"""Attacks on SSO, each refused with nothing written: forged ID tokens (alg none, signed
with the attacker's key under the provider's key id, from another issuer, genuinely
from the provider but for another client), a replayed callback, another browser's
callback (login CSRF), and ``return_url`` pointing elsewhere (open redirect).

The provider is a real Ory Hydra; the server and the control plane are real.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.e2e.test_server_sso import ALICE, SsoSetup, idp, sso
from tests.support.kube import Kubectl
from tests.support.oidc import Browser, User

__all__ = ["idp", "sso"]
MALLORY = User("mallory", "mallory@example.com", ("platform-admins",))


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(setup: SsoSetup, audience: str, **changes: Any) -> dict[str, Any]:
    settings = urllib.request.urlopen(f"{setup.url}/api/v1/settings", timeout=10)
    client_id = json.loads(settings.read())["oidcConfig"]["clientID"]
    now = int(time.time())
    claims = {
        "iss": setup.idp.issuer,
        "sub": "admin",
        "aud": audience or client_id,
        "iat": now,
        "exp": now + 600,
        "groups": ["backend-team"],
        "email": "admin@x",
    }
    claims.update(changes)
    return claims


def _hydra_kid(setup: SsoSetup) -> str:
    with urllib.request.urlopen(f"{setup.idp.issuer}/.well-known/jwks.json", timeout=10) as keys:
        return str(json.loads(keys.read())["keys"][0]["kid"])


def _genuine_token_for_another_client(setup: SsoSetup) -> str:
    """A real Hydra ID token for alice, issued to a client that is not gitopsd."""
    redirect = "http://127.0.0.1:9/elsewhere/callback"
    secret = "another-client-secret-0123456789"
    other = setup.idp.create_client([redirect], secret=secret)
    setup.idp.login_app.next_user = ALICE
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": other["client_id"],
            "redirect_uri": redirect,
            "scope": "openid email groups",
            "state": "s" * 16,
            "nonce": "n" * 16,
        }
    )
    _, location, _ = Browser().follow(f"{setup.idp.issuer}/oauth2/auth?{query}", stop_at=redirect)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]
    form = urllib.parse.urlencode(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    ).encode()
    basic = base64.b64encode(f"{other['client_id']}:{secret}".encode()).decode()
    request = urllib.request.Request(
        f"{setup.idp.issuer}/oauth2/token", data=form, headers={"Authorization": f"Basic {basic}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.loads(answer.read())["id_token"])


def _operation(kubectl: Kubectl, setup: SsoSetup, app: str) -> Any:
    return (kubectl.get("-n", setup.namespace, "application", app) or {}).get("operation")


def _logins_allowed(setup: SsoSetup) -> int:
    lines = [
        json.loads(line) for line in setup.server.log().splitlines() if '"audit": true' in line
    ]
    return sum(1 for a in lines if a["action"] == "login" and a["result"] == "allowed")


def test_forged_id_tokens_are_refused_with_nothing_written(sso: SsoSetup, kubectl: Kubectl) -> None:
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = _hydra_kid(sso)
    forged = {
        "alg none": f"{_b64({'alg': 'none', 'kid': kid})}.{_b64(_claims(sso, ''))}.",
        "attacker's key under Hydra's key id": jwt.encode(
            _claims(sso, ""), attacker, algorithm="RS256", headers={"kid": kid}
        ),
        "another issuer": jwt.encode(
            _claims(sso, "", iss="https://idp.attacker.example"),
            attacker,
            algorithm="RS256",
            headers={"kid": "attacker-1"},
        ),
        "HS256 keyed with a guess": jwt.encode(
            _claims(sso, ""),
            "guessed-secret-0123456789abcdef0123",
            algorithm="HS256",
            headers={"kid": kid},
        ),
        "Hydra's, for another client": _genuine_token_for_another_client(sso),
    }
    before = _logins_allowed(sso)
    for name, token in forged.items():
        api_path = f"{sso.url}/api/v1/applications/backend-api/sync"
        request = urllib.request.Request(
            api_path, data=b"{}", method="POST", headers={"Authorization": f"Bearer {token}"}
        )
        try:
            urllib.request.urlopen(request, timeout=30)
            raise AssertionError(f"{name}: accepted")
        except urllib.error.HTTPError as error:
            assert error.code == 401, (name, error.code)
        info = urllib.request.Request(
            f"{sso.url}/api/v1/session/userinfo", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(info, timeout=30) as answer:
            assert json.loads(answer.read()) == {"loggedIn": False}, name
    assert _operation(kubectl, sso, "backend-api") is None
    assert _logins_allowed(sso) == before
    assert not any(token in sso.server.log() for token in forged.values())


def test_replayed_and_foreign_callbacks_are_refused(sso: SsoSetup, kubectl: Kubectl) -> None:
    callback = f"{sso.url}/auth/callback"
    sso.idp.login_app.next_user = ALICE
    victim = Browser()
    _, location, _ = victim.follow(
        f"{sso.url}/auth/login?return_url=/applications", stop_at=callback
    )
    assert location.startswith(callback)
    state_cookies = [c for c in victim.jar if c.name == "gitopsd.oauthstate"]
    assert state_cookies
    status, home, _ = victim.get(location)
    assert status == 303 and home == "/applications" and victim.cookie("gitopsd.token")
    signed_in = _logins_allowed(sso)

    # The same callback again, with the same state cookie: redeemed already.
    replay = Browser()
    for cookie in state_cookies:
        replay.jar.set_cookie(cookie)
    status, _, body = replay.get(location)
    assert status == 401, body
    assert not replay.cookie("gitopsd.token")

    # Mallory's own callback URL opened in another browser (login CSRF): no state cookie
    # of that sign-in there, so it is refused and nobody is signed in as Mallory.
    sso.idp.login_app.next_user = MALLORY
    attacker = Browser()
    _, planted, _ = attacker.follow(f"{sso.url}/auth/login", stop_at=callback)
    target = Browser()
    target.follow(f"{sso.url}/auth/login", stop_at=sso.idp.issuer)  # its own pending sign-in
    status, _, _ = target.get(planted)
    assert status == 401 and not target.cookie("gitopsd.token")
    assert _logins_allowed(sso) == signed_in
    assert _operation(kubectl, sso, "backend-api") is None


def test_return_url_cannot_leave_the_server(sso: SsoSetup) -> None:
    for target in (
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com",
        "javascript:alert(1)",
        "http:evil.example.com",
    ):
        browser = Browser()
        quoted = urllib.parse.quote(target, safe="")
        status, location, _ = browser.get(f"{sso.url}/auth/login?return_url={quoted}")
        assert status == 400 and not location, target
        assert not browser.cookie("gitopsd.oauthstate"), target
    sso.idp.login_app.next_user = ALICE
    browser = Browser()
    status, _, _ = browser.follow(f"{sso.url}/auth/login?return_url=/applications/backend-api")
    assert status == 200
    assert browser.hops[-1].url == f"{sso.url}/applications/backend-api"
    assert all("evil" not in hop.location for hop in browser.hops)
