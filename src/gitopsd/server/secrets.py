"""The two Secrets the server owns: ``gitopsd-secret`` and ``gitopsd-initial-admin-secret``.

At start-up :func:`ensure_server_secrets` makes sure ``gitopsd-secret`` holds a session
signing key (``server.secretkey``) and an admin password hash (``admin.password``). When
the hash is missing, a password is generated into ``gitopsd-initial-admin-secret`` (key
``password``), as Argo CD does. Any number of replicas may start at once and must agree:
each Secret is created only if absent (a 409 means another replica won; its value is
read back) and ``gitopsd-secret`` is patched with its resourceVersion, re-read and
re-decided on a conflict.

Logout writes the session id into ``gitopsd-secret`` as ``session.revoked.<id>`` with the
session's expiry, so every replica (each watches the Secret) refuses it; entries are
dropped once their session would have expired anyway, which keeps the list short.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from gitopsd.cluster import KubeCluster
from gitopsd.errors import ConfigError, Conflict
from gitopsd.model.keys import ResourceKey
from gitopsd.server.accounts import SECRET_KEY, decoded
from gitopsd.server.passwords import generate_key, generate_password, hash_password

log = logging.getLogger(__name__)

SERVER_SECRET = "gitopsd-secret"
INITIAL_ADMIN_SECRET = "gitopsd-initial-admin-secret"
REVOKED_PREFIX = "session.revoked."
ATTEMPTS = 8


def secret_key(namespace: str, name: str) -> ResourceKey:
    return ResourceKey("", "Secret", namespace, name)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _secret_body(namespace: str, name: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": "gitopsd"},
        },
        "type": "Opaque",
        "data": {key: b64(value) for key, value in data.items()},
    }


def create_if_absent(cluster: KubeCluster, body: dict[str, Any]) -> dict[str, Any]:
    """The Secret as created, or as another writer created it first."""
    key = ResourceKey.of(body)
    try:
        return cluster.create(body)
    except Conflict:
        existing = cluster.get(key)
        if existing is None:
            raise ConfigError(f"{key}: created and deleted concurrently; retry") from None
        return existing


def ensure_server_secrets(cluster: KubeCluster, namespace: str, now: dt.datetime) -> None:
    """Create the signing key and the initial admin password where they are missing."""
    key = secret_key(namespace, SERVER_SECRET)
    for _ in range(ATTEMPTS):
        secret = cluster.get(key) or create_if_absent(
            cluster, _secret_body(namespace, SERVER_SECRET, {})
        )
        data = decoded(secret)
        wanted: dict[str, str] = {}
        if not data.get(SECRET_KEY):
            wanted[SECRET_KEY] = generate_key()
        if not data.get("admin.password"):
            wanted["admin.password"] = hash_password(initial_admin_password(cluster, namespace))
            wanted["admin.passwordMtime"] = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if not wanted:
            return
        patch = {
            "metadata": {"resourceVersion": secret["metadata"]["resourceVersion"]},
            "data": {name: b64(value) for name, value in wanted.items()},
        }
        try:
            cluster.merge_patch(key, patch)
            log.info("%s: wrote %s", key, ", ".join(sorted(wanted)))
            return
        except Conflict:
            continue  # another replica wrote first: read again and decide again
    raise ConfigError(f"{key}: could not be initialised after {ATTEMPTS} conflicting writes")


def initial_admin_password(cluster: KubeCluster, namespace: str) -> str:
    """The password in ``gitopsd-initial-admin-secret``, generating it when absent."""
    body = _secret_body(namespace, INITIAL_ADMIN_SECRET, {"password": generate_password()})
    password = decoded(create_if_absent(cluster, body)).get("password", "")
    if not password:
        raise ConfigError(f"Secret/{namespace}/{INITIAL_ADMIN_SECRET}: no 'password' key")
    return password


def revoked_sessions(secret_data: dict[str, str]) -> frozenset[str]:
    return frozenset(
        key.removeprefix(REVOKED_PREFIX) for key in secret_data if key.startswith(REVOKED_PREFIX)
    )


def revoke_session(
    cluster: KubeCluster,
    namespace: str,
    session_id: str,
    expires_at: float,
    clock: Callable[[], float],
) -> None:
    """Record ``session_id`` as revoked until ``expires_at``; drop revocations past theirs."""
    key = secret_key(namespace, SERVER_SECRET)
    for _ in range(ATTEMPTS):
        secret = cluster.get(key)
        if secret is None:
            raise ConfigError(f"{key}: missing; cannot record the logout")
        now = clock()
        changes: dict[str, str | None] = {
            name: None
            for name, value in decoded(secret).items()
            if name.startswith(REVOKED_PREFIX) and _expired(value, now)
        }
        changes[REVOKED_PREFIX + session_id] = b64(str(int(expires_at)))
        patch = {
            "metadata": {"resourceVersion": secret["metadata"]["resourceVersion"]},
            "data": changes,
        }
        try:
            cluster.merge_patch(key, patch)
            return
        except Conflict:
            continue
    raise ConfigError(f"{key}: could not record the logout after {ATTEMPTS} conflicting writes")


def _expired(value: str, now: float) -> bool:
    try:
        return float(value) <= now
    except ValueError:
        return True


def store_password(
    cluster: KubeCluster, namespace: str, account: str, hashed: str, now: dt.datetime
) -> None:
    """Write an account's bcrypt hash and ``passwordMtime`` (sessions issued before it end)."""
    prefix = "admin" if account == "admin" else f"accounts.{account}"
    stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = secret_key(namespace, SERVER_SECRET)
    for _ in range(ATTEMPTS):
        secret = cluster.get(key)
        if secret is None:
            raise ConfigError(f"{key}: missing; cannot store the password")
        patch = {
            "metadata": {"resourceVersion": secret["metadata"]["resourceVersion"]},
            "data": {f"{prefix}.password": b64(hashed), f"{prefix}.passwordMtime": b64(stamp)},
        }
        try:
            cluster.merge_patch(key, patch)
            return
        except Conflict:
            continue
    raise ConfigError(f"{key}: could not store the password after {ATTEMPTS} conflicting writes")
