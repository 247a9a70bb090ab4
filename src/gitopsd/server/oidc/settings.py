"""The SSO configuration in force: ``gitopsd-cm``'s ``oidc.config`` and ``url``, its secret
references resolved, and one :class:`Provider` for it.

The ConfigMap and ``gitopsd-secret`` come from the watch caches; a Secret named by a
``$name:key`` reference is read from the API (it must carry the label
``app.kubernetes.io/part-of: gitopsd``, so a reference cannot read any Secret of the
namespace). :meth:`SsoSettings.refresh` re-reads when the ConfigMap or ``gitopsd-secret``
changed, or a minute passed (a referenced Secret may have changed); it runs the blocking
parts in a thread and is awaited by the SSO handlers and the ID-token authenticator. An
invalid block disables SSO and is reported (without values) by :attr:`error`. Built by
:mod:`gitopsd.server.context`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gitopsd.errors import ConfigError, GitopsdError
from gitopsd.server.oidc.config import OIDC_KEY, URL_KEY, OidcConfig, parse_oidc_config
from gitopsd.server.oidc.provider import Provider

log = logging.getLogger(__name__)

PART_OF_LABEL = "app.kubernetes.io/part-of"
PART_OF_VALUE = "gitopsd"
RECHECK_SECONDS = 60.0
CALLBACK_PATH = "/auth/callback"


@dataclass(frozen=True)
class Sso:
    """SSO as configured: the provider and where the browser comes back to."""

    provider: Provider
    url: str  # gitopsd-cm ``url``: the server's external URL; "" when not set

    @property
    def config(self) -> OidcConfig:
        return self.provider.config

    @property
    def redirect_uri(self) -> str:
        return self.url + CALLBACK_PATH if self.url else ""


class SsoSettings:
    def __init__(
        self,
        config_data: Callable[[], Mapping[str, str]],
        secret_data: Callable[[], Mapping[str, str]],
        read_secret: Callable[[str], Mapping[str, Any] | None],
        clock: Callable[[], float],
    ) -> None:
        self._config_data = config_data
        self._secret_data = secret_data
        self._read_secret = read_secret
        self._clock = clock
        self._fingerprint = ""
        self._checked_at = float("-inf")
        self._current: Sso | None = None
        self.error = ""

    def current(self) -> Sso | None:
        """As of the last :meth:`refresh`."""
        return self._current

    async def refresh(self) -> Sso | None:
        config, secret = dict(self._config_data()), dict(self._secret_data())
        fingerprint = _fingerprint(config, secret)
        stale = self._clock() - self._checked_at >= RECHECK_SECONDS
        if fingerprint != self._fingerprint or stale:
            self._checked_at = self._clock()
            await asyncio.to_thread(self._rebuild, config, secret, fingerprint)
        return self._current

    def _rebuild(self, config: dict[str, str], secret: dict[str, str], fingerprint: str) -> None:
        def lookup(name: str, key: str) -> str | None:
            return secret.get(key) if not name else self._named_secret(name).get(key)

        try:
            parsed = parse_oidc_config(config.get(OIDC_KEY), lookup)
        except GitopsdError as error:
            if str(error) != self.error:
                log.error("SSO disabled: %s", error)
            self.error, self._current, self._fingerprint = str(error), None, fingerprint
            return
        self.error = ""
        url = (config.get(URL_KEY) or "").strip().rstrip("/")
        previous = self._current
        if parsed is None:
            self._current = None
        elif previous is None or previous.config != parsed:
            self._current = Sso(Provider(parsed, self._clock), url)
        elif previous.url != url:
            self._current = Sso(previous.provider, url)
        self._fingerprint = fingerprint

    def _named_secret(self, name: str) -> dict[str, str]:
        secret = self._read_secret(name)
        if secret is None:
            raise ConfigError(f"gitopsd-cm: {OIDC_KEY}: Secret {name} does not exist")
        labels = (secret.get("metadata") or {}).get("labels") or {}
        if labels.get(PART_OF_LABEL) != PART_OF_VALUE:
            raise ConfigError(
                f"gitopsd-cm: {OIDC_KEY}: Secret {name} is not labelled "
                f"{PART_OF_LABEL}={PART_OF_VALUE}"
            )
        out: dict[str, str] = {}
        for key, value in (secret.get("data") or {}).items():
            try:
                out[str(key)] = base64.b64decode(str(value), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                continue
        return out


def _fingerprint(config: Mapping[str, str], secret: Mapping[str, str]) -> str:
    relevant = {"cm": {k: config.get(k) for k in (OIDC_KEY, URL_KEY)}, "secret": dict(secret)}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()
