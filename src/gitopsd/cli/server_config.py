"""The CLI's own configuration: which gitopsd servers the user signed in to, in
``~/.config/gitopsd/config`` (``$XDG_CONFIG_HOME`` honoured; ``--config`` overrides).

Shaped like Argo CD's ``~/.config/argocd/config``: ``contexts`` (name, server, user),
``servers`` (server, ``plain-text``, ``insecure``), ``users`` (name, ``auth-token``,
``refresh-token``) and ``current-context``. The file holds tokens, so it is written
with mode 0600 (created that way, never world-readable for an instant) and its directory
0700; nothing here prints a token. Used by :mod:`gitopsd.cli.login` and the verbs that
talk to the server.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from gitopsd.errors import ConfigError


def default_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "gitopsd" / "config"


@dataclass(frozen=True)
class ServerContext:
    """One signed-in server: where it is, how to reach it, and the token. Never printed."""

    name: str
    server: str
    auth_token: str = field(default="", repr=False)
    refresh_token: str = field(default="", repr=False)
    plain_text: bool = False
    insecure: bool = False

    @property
    def base_url(self) -> str:
        return server_url(self.server, plain_text=self.plain_text)


def server_url(server: str, *, plain_text: bool) -> str:
    """``host:port`` as Argo CD's CLI takes it (https unless plain text), or a full URL."""
    text = server.strip().rstrip("/")
    if text.startswith(("http://", "https://")):
        return text
    return ("http://" if plain_text else "https://") + text


@dataclass
class LocalConfig:
    contexts: dict[str, ServerContext] = field(default_factory=dict)
    current: str = ""

    @classmethod
    def load(cls, path: Path) -> LocalConfig:
        if not path.exists():
            return cls()
        try:
            raw: Any = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"cannot read {path}: {error}") from error
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: not a mapping")
        servers = {str(s.get("server")): s for s in _entries(raw, "servers")}
        users = {str(u.get("name")): u for u in _entries(raw, "users")}
        contexts = {}
        for entry in _entries(raw, "contexts"):
            name, server = str(entry.get("name") or ""), str(entry.get("server") or "")
            if not name or not server:
                continue
            server_entry, user = servers.get(server, {}), users.get(str(entry.get("user")), {})
            contexts[name] = ServerContext(
                name=name,
                server=server,
                auth_token=str(user.get("auth-token") or ""),
                refresh_token=str(user.get("refresh-token") or ""),
                plain_text=bool(server_entry.get("plain-text", False)),
                insecure=bool(server_entry.get("insecure", False)),
            )
        return cls(contexts, str(raw.get("current-context") or ""))

    def current_context(self) -> ServerContext | None:
        return self.contexts.get(self.current)

    def upsert(self, context: ServerContext) -> None:
        self.contexts[context.name] = context
        self.current = context.name

    def forget_token(self, name: str) -> None:
        if name in self.contexts:
            self.contexts[name] = replace(self.contexts[name], auth_token="", refresh_token="")

    def save(self, path: Path) -> None:
        """Write atomically with mode 0600 (directory 0700)."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        document = {
            "contexts": [
                {"name": c.name, "server": c.server, "user": c.name}
                for c in sorted(self.contexts.values(), key=lambda c: c.name)
            ],
            "current-context": self.current,
            "servers": [
                {"server": c.server, "plain-text": c.plain_text, "insecure": c.insecure}
                for c in sorted(self.contexts.values(), key=lambda c: c.name)
            ],
            "users": [
                {
                    "name": c.name,
                    **({"auth-token": c.auth_token} if c.auth_token else {}),
                    **({"refresh-token": c.refresh_token} if c.refresh_token else {}),
                }
                for c in sorted(self.contexts.values(), key=lambda c: c.name)
            ],
        }
        descriptor, scratch = tempfile.mkstemp(prefix=".config-", dir=path.parent)
        try:
            with os.fdopen(descriptor, "w") as handle:  # mkstemp creates it 0600
                yaml.safe_dump(document, handle, sort_keys=False)
            os.replace(scratch, path)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
        path.chmod(0o600)


def _entries(raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = raw.get(key) or []
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []
