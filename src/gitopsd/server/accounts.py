"""Local accounts, read as Argo CD reads them from argocd-cm and argocd-secret.

``gitopsd-cm``: ``admin.enabled`` (default true), ``accounts.<name>: login, apiKey``
(capabilities) and ``accounts.<name>.enabled``. ``gitopsd-secret``: ``admin.password``
and ``accounts.<name>.password`` (bcrypt hashes), ``…passwordMtime`` (RFC 3339; sessions
issued before it are refused), ``accounts.<name>.tokens`` (the account's API keys as a
JSON list of ``{id, iat, exp}``, Argo CD's shape) and ``server.secretkey`` (the session
signing key). Pure:
called by :mod:`gitopsd.server.signin` with the two objects from the watch caches.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ADMIN = "admin"
LOGIN = "login"
API_KEY = "apiKey"
SECRET_KEY = "server.secretkey"


@dataclass(frozen=True)
class ApiToken:
    """One API key of an account: its id and times (the token itself is never stored)."""

    id: str
    issued_at: int
    expires_at: int = 0  # 0: never

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "iat": self.issued_at}
        if self.expires_at:
            out["exp"] = self.expires_at
        return out


@dataclass(frozen=True)
class Account:
    name: str
    enabled: bool
    capabilities: frozenset[str]
    password_hash: str = ""
    password_mtime: float = 0.0  # seconds since the epoch; 0 when unknown
    tokens: tuple[ApiToken, ...] = ()

    def __repr__(self) -> str:
        return f"Account(name={self.name!r}, enabled={self.enabled}, ...)"

    @property
    def can_login(self) -> bool:
        return self.enabled and LOGIN in self.capabilities

    @property
    def can_use_api_keys(self) -> bool:
        return self.enabled and API_KEY in self.capabilities


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
            tokens=parse_tokens(secret.get(f"accounts.{name}.tokens")),
        )
    return accounts


def parse_tokens(text: str | None) -> tuple[ApiToken, ...]:
    """``accounts.<name>.tokens``; entries that are not ``{id, iat[, exp]}`` are skipped."""
    try:
        raw = json.loads(text) if text else []
    except ValueError:
        return ()
    tokens = []
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
            try:
                tokens.append(
                    ApiToken(entry["id"], int(entry.get("iat") or 0), int(entry.get("exp") or 0))
                )
            except (TypeError, ValueError):
                continue
    return tuple(tokens)


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
