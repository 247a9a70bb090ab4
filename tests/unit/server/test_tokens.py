"""Session tokens: signed, expiring, refused when tampered with or signed by another key;
claims to subjects and groups through ``scopes``."""

from __future__ import annotations

import base64
import json

import pytest

from gitopsd.errors import AuthError
from gitopsd.server.accounts import Account
from gitopsd.server.authn import SessionAuthenticator, groups_from_claims
from gitopsd.server.tokens import TokenSigner

KEY = "k" * 43
NOW = 1_800_000_000.0


def test_a_token_verifies_until_it_expires() -> None:
    signer = TokenSigner(KEY)
    token, claims = signer.issue("alice", now=NOW, lifetime_seconds=3600)
    verified = signer.verify(token, now=NOW + 3599)
    assert (verified.subject, verified.session_id) == ("alice", claims.session_id)
    assert verified.expires_at == NOW + 3600
    with pytest.raises(AuthError, match="expired"):
        signer.verify(token, now=NOW + 3600)


def test_each_sign_in_is_its_own_session() -> None:
    signer = TokenSigner(KEY)
    first = signer.issue("alice", now=NOW, lifetime_seconds=60)[1]
    second = signer.issue("alice", now=NOW, lifetime_seconds=60)[1]
    assert first.session_id != second.session_id


def test_tampered_or_foreign_tokens_are_refused() -> None:
    token, _ = TokenSigner(KEY).issue("alice", now=NOW, lifetime_seconds=60)
    with pytest.raises(AuthError, match="invalid"):
        TokenSigner("x" * 43).verify(token, now=NOW)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(AuthError):
        TokenSigner(KEY).verify(f"{header}.{forged}.{signature}", now=NOW)
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    with pytest.raises(AuthError):
        TokenSigner(KEY).verify(f"{unsigned}.{payload}.", now=NOW)
    with pytest.raises(AuthError):
        TokenSigner(KEY).verify("not a token", now=NOW)


def test_a_token_from_the_future_is_refused() -> None:
    token, _ = TokenSigner(KEY).issue("alice", now=NOW + 600, lifetime_seconds=60)
    with pytest.raises(AuthError, match="future"):
        TokenSigner(KEY).verify(token, now=NOW)


def test_short_keys_are_refused() -> None:
    with pytest.raises(AuthError):
        TokenSigner("short")


def test_groups_come_from_the_claims_named_in_scopes() -> None:
    signer = TokenSigner(KEY)
    token, _ = signer.issue(
        "alice", now=NOW, lifetime_seconds=60, groups=("backend-team",), extra={"email": "a@x"}
    )
    claims = signer.verify(token, now=NOW)
    assert groups_from_claims(claims, ["groups"]) == ("backend-team",)
    assert groups_from_claims(claims, ["groups", "email"]) == ("backend-team", "a@x")


def authenticator(accounts: dict[str, Account], revoked: set[str]) -> SessionAuthenticator:
    return SessionAuthenticator(
        lambda: TokenSigner(KEY), lambda: accounts, revoked.__contains__, lambda: ["groups"]
    )


def test_local_sessions_end_with_logout_disabling_or_a_password_change() -> None:
    alice = Account("alice", True, frozenset({"login"}), "$2b$...", password_mtime=NOW - 10)
    accounts = {"alice": alice}
    revoked: set[str] = set()
    token, claims = TokenSigner(KEY).issue("alice", now=NOW, lifetime_seconds=60)
    principal = authenticator(accounts, revoked).authenticate(token, now=NOW)
    assert principal is not None and principal.subjects == ("alice",)
    revoked.add(claims.session_id)
    with pytest.raises(AuthError, match="revoked"):
        authenticator(accounts, revoked).authenticate(token, now=NOW)
    revoked.clear()
    accounts["alice"] = Account("alice", False, frozenset({"login"}))
    with pytest.raises(AuthError, match="disabled"):
        authenticator(accounts, revoked).authenticate(token, now=NOW)
    accounts["alice"] = Account("alice", True, frozenset({"login"}), password_mtime=NOW + 5)
    with pytest.raises(AuthError, match="password changed"):
        authenticator(accounts, revoked).authenticate(token, now=NOW + 6)
