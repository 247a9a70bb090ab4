"""Accounts from gitopsd-cm and gitopsd-secret, sign-in rate limits, and the server's
Secrets created once even when several replicas start together."""

from __future__ import annotations

import base64
import copy
import datetime as dt
from typing import Any

import pytest

from gitopsd.errors import Conflict
from gitopsd.model.keys import ResourceKey
from gitopsd.server.accounts import accounts_from, decoded
from gitopsd.server.passwords import hash_password, verify_password
from gitopsd.server.ratelimit import SignInLimiter, SignInLimits
from gitopsd.server.secrets import (
    INITIAL_ADMIN_SECRET,
    SERVER_SECRET,
    ensure_server_secrets,
    revoke_session,
    revoked_sessions,
)

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def test_accounts_follow_argo_cd_keys() -> None:
    config = {
        "admin.enabled": "false",
        "accounts.alice": "login, apiKey",
        "accounts.bob": "apiKey",
        "accounts.carol": "login",
        "accounts.carol.enabled": "false",
    }
    secret = {"accounts.alice.password": "$2b$hash", "admin.password": "$2b$admin"}
    accounts = accounts_from(config, secret)
    assert sorted(accounts) == ["admin", "alice", "bob", "carol"]
    assert not accounts["admin"].can_login
    assert accounts["alice"].can_login and accounts["alice"].password_hash == "$2b$hash"
    assert not accounts["bob"].can_login  # apiKey only
    assert not accounts["carol"].can_login  # disabled
    assert "hash" not in repr(accounts["alice"])


def test_passwords() -> None:
    hashed = hash_password("s3cret")
    assert verify_password("s3cret", hashed)
    assert not verify_password("wrong", hashed)
    assert not verify_password("s3cret", "")
    assert not verify_password("x" * 100, hashed)


def test_sign_in_limits_per_address_and_per_user() -> None:
    now = [0.0]
    limiter = SignInLimiter(SignInLimits(per_second=1, burst=3, max_failures=2), lambda: now[0])
    assert [limiter.admit("1.1.1.1", f"u{i}") for i in range(3)] == [0, 0, 0]
    assert limiter.admit("1.1.1.1", "u4") > 0  # the address's burst is spent
    now[0] = 100.0
    limiter.failed("alice")
    limiter.failed("alice")
    assert limiter.admit("2.2.2.2", "alice") > 0  # from any address
    assert limiter.admit("3.3.3.3", "bob") == 0
    now[0] = 401.0
    assert limiter.admit("4.4.4.4", "alice") == 0  # the failures left the window
    limiter.failed("alice")
    limiter.succeeded("alice")
    limiter.failed("alice")
    assert limiter.admit("5.5.5.5", "alice") == 0


class SecretStore:
    """Secrets with resourceVersions and 409s, like the API server."""

    def __init__(self) -> None:
        self.objects: dict[ResourceKey, dict[str, Any]] = {}
        self.version = 0
        self.before_patch: list[Any] = []

    def get(self, key: ResourceKey) -> dict[str, Any] | None:
        found = self.objects.get(key)
        return copy.deepcopy(found) if found else None

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        key = ResourceKey.of(body)
        if key in self.objects:
            raise Conflict(f"{key}: already exists", status=409)
        self.version += 1
        stored = copy.deepcopy(body)
        stored["metadata"]["resourceVersion"] = str(self.version)
        self.objects[key] = stored
        return copy.deepcopy(stored)

    def merge_patch(self, key: ResourceKey, patch: dict[str, Any]) -> dict[str, Any]:
        while self.before_patch:
            self.before_patch.pop(0)()
        current = self.objects[key]
        if patch["metadata"]["resourceVersion"] != current["metadata"]["resourceVersion"]:
            raise Conflict(f"{key}: modified", status=409)
        data = current.setdefault("data", {})
        for name, value in patch.get("data", {}).items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        self.version += 1
        current["metadata"]["resourceVersion"] = str(self.version)
        return copy.deepcopy(current)


def secret(store: SecretStore, name: str) -> dict[str, str]:
    return decoded(store.get(ResourceKey("", "Secret", "ns", name)))


def test_first_start_generates_key_and_admin_password() -> None:
    store = SecretStore()
    ensure_server_secrets(store, "ns", NOW)  # type: ignore[arg-type]
    server = secret(store, SERVER_SECRET)
    password = secret(store, INITIAL_ADMIN_SECRET)["password"]
    assert len(server["server.secretkey"]) >= 32
    assert verify_password(password, server["admin.password"])
    assert server["admin.passwordMtime"] == "2026-01-02T03:04:05Z"
    before = copy.deepcopy(store.objects)
    ensure_server_secrets(store, "ns", NOW)  # type: ignore[arg-type]
    assert store.objects == before  # a restart changes nothing


def test_two_replicas_starting_together_agree() -> None:
    store = SecretStore()
    # Replica B writes its key between replica A's read and A's patch.
    store.before_patch.append(lambda: ensure_server_secrets(store, "ns", NOW))  # type: ignore[arg-type]
    ensure_server_secrets(store, "ns", NOW)  # type: ignore[arg-type]
    server = secret(store, SERVER_SECRET)
    password = secret(store, INITIAL_ADMIN_SECRET)["password"]
    assert verify_password(password, server["admin.password"])


def test_existing_secret_keeps_its_keys_and_gains_ours() -> None:
    store = SecretStore()
    store.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": SERVER_SECRET, "namespace": "ns"},
            "data": {"webhook.github.secret": base64.b64encode(b"gh").decode()},
        }
    )
    ensure_server_secrets(store, "ns", NOW)  # type: ignore[arg-type]
    server = secret(store, SERVER_SECRET)
    assert server["webhook.github.secret"] == "gh"
    assert "server.secretkey" in server


def test_logout_revocations_expire_with_their_sessions() -> None:
    store = SecretStore()
    ensure_server_secrets(store, "ns", NOW)  # type: ignore[arg-type]
    revoke_session(store, "ns", "old", 100.0, lambda: 50.0)  # type: ignore[arg-type]
    revoke_session(store, "ns", "new", 500.0, lambda: 200.0)  # type: ignore[arg-type]
    assert revoked_sessions(secret(store, SERVER_SECRET)) == {"new"}


@pytest.mark.parametrize("text", ["", "[groups]"])
def test_placeholder_scopes_parse(text: str) -> None:
    from gitopsd.server.rbac.policy import parse_scopes

    assert parse_scopes(text) == ("groups",)
