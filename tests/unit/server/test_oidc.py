"""SSO without the network: ID-token verification (one line per way a token can be
wrong), PKCE, the signed state cookie, return URLs, and Argo CD's ``oidc.config`` blocks
as Azure AD and Okta users write them."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gitopsd.errors import AuthError, ConfigError
from gitopsd.server.oidc.config import DEFAULT_SCOPES, parse_oidc_config
from gitopsd.server.oidc.flow import (
    UsedStates,
    authorization_url,
    code_challenge,
    logout_url,
    new_login,
    safe_return_url,
    seal,
    unseal,
)
from gitopsd.server.oidc.idtoken import verify_id_token

ISSUER = "https://login.example.com/tenant/v2.0"
CLIENT = "gitopsd-client"
NOW = 1_800_000_000.0
NONCE = "n-0123456789"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING = rsa_key()
OTHER = rsa_key()


def jwk_of(key: rsa.RSAPrivateKey, kid: str) -> jwt.PyJWK:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return jwt.PyJWK({**public, "kid": kid, "use": "sig", "alg": "RS256"})


KEYS = {"k1": jwk_of(SIGNING, "k1")}


def claims(**changes: Any) -> dict[str, Any]:
    base = {
        "iss": ISSUER,
        "sub": "alice-id",
        "aud": CLIENT,
        "iat": int(NOW),
        "exp": int(NOW) + 3600,
        "nonce": NONCE,
        "email": "alice@example.com",
        "groups": ["backend-team"],
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload: dict[str, Any], key: Any = SIGNING, alg: str = "RS256", kid: str = "k1") -> str:
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


def unsigned(payload: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'kid': 'k1'})}.{part(payload)}."


def verify(token: str, nonce: str | None = NONCE, now: float = NOW) -> dict[str, Any]:
    return verify_id_token(token, KEYS, issuer=ISSUER, audiences=[CLIENT], now=now, nonce=nonce)


def test_a_good_id_token_verifies() -> None:
    verified = verify(sign(claims()))
    assert verified["sub"] == "alice-id" and verified["groups"] == ["backend-team"]


def _public_pem() -> bytes:
    return SIGNING.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


BAD_TOKENS: dict[str, tuple[Callable[[], str], str]] = {
    "another issuer": (lambda: sign(claims(iss="https://evil.example.com")), "another issuer"),
    "another audience": (lambda: sign(claims(aud="someone-else")), "not issued for this client"),
    "expired": (lambda: sign(claims(exp=int(NOW) - 120)), "expired"),
    "issued in the future": (lambda: sign(claims(iat=int(NOW) + 600)), "future"),
    "wrong nonce": (lambda: sign(claims(nonce="replayed")), "nonce"),
    "no nonce": (lambda: sign(claims(nonce=None)), "nonce"),
    "signed by another key": (lambda: sign(claims(), key=OTHER), "signature"),
    "unknown key id": (lambda: sign(claims(), kid="k9"), "key the issuer does not publish"),
    "alg none": (lambda: unsigned(claims()), "algorithm 'none'"),
    "HS256 with the public key as secret": (
        lambda: jwt.encode(
            claims(),
            "public-key-as-hmac-secret-0123456789",
            algorithm="HS256",
            headers={"kid": "k1"},
        ),
        "algorithm 'HS256'",
    ),
    "no exp": (lambda: sign(claims(exp=None)), "refused"),
    "several audiences, azp elsewhere": (
        lambda: sign(claims(aud=[CLIENT, "other"], azp="other")),
        "azp",
    ),
    "not a JWT": (lambda: "not-a-token", "malformed"),
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_id_tokens_are_refused(case: str) -> None:
    make, reason = BAD_TOKENS[case]
    with pytest.raises(AuthError, match=reason):
        verify(make())


def test_the_hmac_forgery_is_refused_even_with_the_real_public_key() -> None:
    # PyJWT itself refuses a PEM as an HMAC secret; our algorithm list refuses it first.
    forged = base64.urlsafe_b64encode(b'{"alg":"HS256","kid":"k1"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims()).encode()).rstrip(b"=").decode()
    import hashlib
    import hmac

    mac = hmac.new(_public_pem(), f"{forged}.{body}".encode(), hashlib.sha256).digest()
    token = f"{forged}.{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(AuthError, match="HS256"):
        verify(token)


def test_bearer_id_tokens_skip_only_the_nonce() -> None:
    assert verify(sign(claims(nonce=None)), nonce=None)["sub"] == "alice-id"
    with pytest.raises(AuthError, match="expired"):
        verify(sign(claims(nonce=None)), nonce=None, now=NOW + 7200)


# --- PKCE and the authorization request ---------------------------------------------------
def test_pkce_challenge_is_rfc_7636_s256() -> None:
    # The example of RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_each_login_gets_its_own_state_nonce_and_verifier() -> None:
    first, second = new_login("/", now=NOW), new_login("/", now=NOW)
    assert len({first.state, second.state, first.nonce, second.nonce}) == 4
    assert 43 <= len(first.verifier) <= 128 and first.verifier != second.verifier
    assert first.verifier not in repr(first) and first.state not in repr(first)


def test_authorization_url_carries_state_nonce_challenge_and_claims() -> None:
    login = new_login("/applications", now=NOW)
    url = authorization_url(
        "https://idp.example.com/authorize?tenant=x",
        client_id=CLIENT,
        redirect_uri="https://cd.example.com/auth/callback",
        scopes=DEFAULT_SCOPES,
        login=login,
        pkce=True,
        claims={"groups": {"essential": True}},
    )
    from urllib.parse import parse_qs, urlsplit

    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["tenant"] == "x" and query["response_type"] == "code"
    assert query["state"] == login.state and query["nonce"] == login.nonce
    assert query["code_challenge"] == code_challenge(login.verifier)
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "openid profile email groups"
    assert json.loads(query["claims"]) == {"id_token": {"groups": {"essential": True}}}
    assert login.verifier not in url


# --- return_url: no open redirect ---------------------------------------------------------
@pytest.mark.parametrize(
    "url", ["/", "/applications", "/applications/web?view=tree", "/a/b%2Fc", "/#x"]
)
def test_paths_on_this_server_are_kept(url: str) -> None:
    assert safe_return_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/",
        "//evil.example.com/x",
        "/\\evil.example.com",
        "\\\\evil.example.com",
        "javascript:alert(1)",
        "evil.example.com",
        "/ok\r\nLocation: https://evil.example.com",
        "/x\tx",
        "http:/evil.example.com",
    ],
)
def test_other_places_are_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="path on this server"):
        safe_return_url(url)


def test_empty_return_url_is_the_home_page() -> None:
    assert safe_return_url("") == "/" and safe_return_url(None) == "/"


# --- the state cookie ---------------------------------------------------------------------
def test_state_cookie_round_trip_and_refusals() -> None:
    login = new_login("/applications", now=NOW)
    cookie = seal(login, "key-0123456789abcdef")
    assert login.verifier not in cookie.split(".")[-1]
    assert unseal(cookie, "key-0123456789abcdef", state=login.state, now=NOW + 10) == login
    with pytest.raises(AuthError, match="state does not match"):
        unseal(cookie, "key-0123456789abcdef", state="attacker-state", now=NOW)
    with pytest.raises(AuthError, match="tampered"):
        unseal(cookie, "another-key-0123456789", state=login.state, now=NOW)
    payload, mac = cookie.rsplit(".", 1)
    changed = json.loads(base64.urlsafe_b64decode(payload))
    changed["return_url"] = "https://evil.example.com"
    forged = base64.urlsafe_b64encode(json.dumps(changed).encode()).decode() + "." + mac
    with pytest.raises(AuthError, match="tampered"):
        unseal(forged, "key-0123456789abcdef", state=login.state, now=NOW)
    with pytest.raises(AuthError, match="too long"):
        unseal(cookie, "key-0123456789abcdef", state=login.state, now=NOW + 301)
    with pytest.raises(AuthError, match="tampered"):
        unseal("", "key-0123456789abcdef", state=login.state, now=NOW)


def test_a_state_is_redeemed_once() -> None:
    login = new_login("/", now=NOW)
    used = UsedStates()
    used.redeem(login, now=NOW)
    with pytest.raises(AuthError, match="already completed"):
        used.redeem(login, now=NOW + 1)
    used.redeem(new_login("/", now=NOW), now=NOW + 1)


def test_logout_url_fills_argo_cd_placeholders() -> None:
    template = "https://idp.example.com/logout?post_logout_redirect_uri={{logoutRedirectURL}}"
    assert logout_url(template, "https://cd.example.com") == (
        "https://idp.example.com/logout?post_logout_redirect_uri=https%3A%2F%2Fcd.example.com"
    )


# --- oidc.config as the seeds write it ----------------------------------------------------
AZURE = """\
name: Azure
issuer: https://login.microsoftonline.com/0f1e2d3c-tenant/v2.0
clientID: 11111111-2222-3333-4444-555555555555
clientSecret: $oidc.azure.clientSecret
requestedIDTokenClaims:
  groups:
    essential: true
requestedScopes:
  - openid
  - profile
  - email
"""
OKTA = """\
name: Okta
issuer: https://example.okta.com
clientID: $okta-oidc:clientID
clientSecret: $okta-oidc:clientSecret
requestedScopes: ["openid", "profile", "email", "groups"]
logoutURL: https://example.okta.com/oauth2/v1/logout?id_token_hint={{token}}&post_logout_redirect_uri={{logoutRedirectURL}}
rootCA: |
  -----BEGIN CERTIFICATE-----
  MIIB
  -----END CERTIFICATE-----
enablePKCEAuthentication: true
cliClientID: okta-cli
"""


def lookup(found: dict[tuple[str, str], str]) -> Callable[[str, str], str | None]:
    return lambda name, key: found.get((name, key))


def test_azure_ad_block_carries_over() -> None:
    config = parse_oidc_config(AZURE, lookup({("", "oidc.azure.clientSecret"): "azure-secret"}))
    assert config is not None
    assert config.name == "Azure" and config.client_secret == "azure-secret"
    assert config.issuer == "https://login.microsoftonline.com/0f1e2d3c-tenant/v2.0"
    assert config.requested_scopes == ("openid", "profile", "email")
    assert config.requested_id_token_claims == {"groups": {"essential": True}}
    assert config.audiences == ("11111111-2222-3333-4444-555555555555",)
    assert "azure-secret" not in repr(config)


def test_okta_block_with_named_secret_references() -> None:
    secrets = {("okta-oidc", "clientID"): "okta-client", ("okta-oidc", "clientSecret"): "s"}
    config = parse_oidc_config(OKTA, lookup(secrets))
    assert config is not None
    assert (config.client_id, config.client_secret) == ("okta-client", "s")
    assert config.audiences == ("okta-client", "okta-cli")
    assert config.root_ca.startswith("-----BEGIN CERTIFICATE-----")
    assert config.enable_pkce and "{{logoutRedirectURL}}" in config.logout_url


def test_defaults_and_missing_pieces() -> None:
    minimal = "issuer: https://idp.example.com/\nclientID: c\n"
    config = parse_oidc_config(minimal, lookup({}))
    assert config is not None
    assert config.requested_scopes == DEFAULT_SCOPES and config.issuer == "https://idp.example.com"
    assert parse_oidc_config("", lookup({})) is None
    with pytest.raises(ConfigError, match="issuer is required"):
        parse_oidc_config("clientID: c\n", lookup({}))
    with pytest.raises(ConfigError, match=r"has no key 'oidc\.azure\.clientSecret'"):
        parse_oidc_config(AZURE, lookup({}))
    with pytest.raises(ConfigError, match="requestedScopes must be a list"):
        parse_oidc_config(minimal + "requestedScopes: openid\n", lookup({}))
    with pytest.raises(ConfigError, match="not YAML"):
        parse_oidc_config("issuer: [", lookup({}))


def test_unresolved_reference_errors_never_show_secret_values() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_oidc_config(OKTA, lookup({("okta-oidc", "clientID"): "the-client-id-value"}))
    assert "the-client-id-value" not in str(caught.value)
    assert "okta-oidc" in str(caught.value)
