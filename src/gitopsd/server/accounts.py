"""Local accounts, read as Argo CD reads them from argocd-cm and argocd-secret.

``gitopsd-cm``: ``admin.enabled`` (default true), ``accounts.<name>: login, apiKey``
(capabilities) and ``accounts.<name>.enabled``. ``gitopsd-secret``: ``admin.password``
and ``accounts.<name>.password`` (bcrypt hashes), ``…passwordMtime`` (RFC 3339; sessions
issued before it are refused) and ``server.secretkey`` (the session signing key). Pure:
called by :mod:`gitopsd.server.signin` with the two objects from the watch caches.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ADMIN = "admin"
LOGIN = "login"
API_KEY = "apiKey"
SECRET_KEY = "server.secretkey"


@dataclass(frozen=True)
class Account:
    name: str
    enabled: bool
    capabilities: frozenset[str]
    password_hash: str = ""
    password_mtime: float = 0.0  # seconds since the epoch; 0 when unknown

    def __repr__(self) -> str:
        return f"Account(name={self.name!r}, enabled={self.enabled}, ...)"

    @property
    def can_login(self) -> bool:
        return self.enabled and LOGIN in self.capabilities


def decoded(secret: Mapping[str, Any] | None) -> dict[str, str]:
    """A Secret's ``data`` decoded (values that are not base64 are skipped)."""
    out = {}
    for key, value in ((secret or {}).get("data") or {}).items():
        try:
            out[str(key)] = base64.b64decode(str(value), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            continue
    return out


def accounts_from(config: Mapping[str, str], secret: Mapping[str, str]) -> dict[str, Account]:
    """Every local account named in ``config`` (the admin always), by name."""
    accounts = {
        ADMIN: Account(
            name=ADMIN,
            enabled=_flag(config.get("admin.enabled"), default=True),
            capabilities=frozenset({LOGIN}),
            password_hash=secret.get("admin.password", ""),
            password_mtime=_time(secret.get("admin.passwordMtime")),
        )
    }
    for key, value in config.items():
        parts = key.split(".")
        if len(parts) != 2 or parts[0] != "accounts" or not parts[1] or parts[1] == ADMIN:
            continue
        name = parts[1]
        accounts[name] = Account(
            name=name,
            enabled=_flag(config.get(f"accounts.{name}.enabled"), default=True),
            capabilities=frozenset(c.strip() for c in value.split(",") if c.strip()),
            password_hash=secret.get(f"accounts.{name}.password", ""),
            password_mtime=_time(secret.get(f"accounts.{name}.passwordMtime")),
        )
    return accounts


def _flag(text: str | None, *, default: bool) -> bool:
    if text is None or not text.strip():
        return default
    return text.strip().lower() == "true"


def _time(text: str | None) -> float:
    if not text:
        return 0.0
    try:
        return dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0
