"""Talking to the identity provider: discovery, its signing keys, the code exchange.

One :class:`Provider` per configured ``oidc.config``. The discovery document
(``<issuer>/.well-known/openid-configuration``) must name the configured issuer exactly.
Keys come from its ``jwks_uri`` and are kept; a token signed with a key id we do not
hold fetches them again, at most every ``KEY_REFRESH_SECONDS``, so a key rotation is
picked up and a flood of made-up key ids costs nothing. TLS is verified against
``rootCA`` when given, else the system's roots. Nothing here logs a token, a code or the
client secret. Built by :mod:`gitopsd.server.oidc.settings`; the HTTP calls are aiohttp's.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import ssl
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

from gitopsd.errors import AuthError, ConfigError
from gitopsd.server.oidc.config import OidcConfig
from gitopsd.server.oidc.idtoken import key_id, verify_id_token

log = logging.getLogger(__name__)

KEY_REFRESH_SECONDS = 10.0
HTTP_TIMEOUT_SECONDS = 10.0
MAX_DOCUMENT_BYTES = 512 * 1024


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str = ""


class Provider:
    def __init__(self, config: OidcConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self._clock = clock
        self._ssl: ssl.SSLContext | bool = _ssl_context(config.root_ca)
        self._metadata: Metadata | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._keys_fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def metadata(self) -> Metadata:
        if self._metadata is None:
            document = await self._get_json(
                self.config.issuer + "/.well-known/openid-configuration"
            )
            self._metadata = _metadata(document, self.config.issuer)
        return self._metadata

    async def ensure_key(self, token: str) -> None:
        """Fetch the keys when ``token`` names a key id we do not hold (rate-limited)."""
        kid = key_id(token)
        if kid in self._keys or (not kid and self._keys):
            return
        async with self._lock:
            if kid in self._keys or self._clock() - self._keys_fetched_at < KEY_REFRESH_SECONDS:
                return
            self._keys_fetched_at = self._clock()
            metadata = await self.metadata()
            self._keys = _keys(await self._get_json(metadata.jwks_uri))

    def verify(self, token: str, *, nonce: str | None = None) -> dict[str, Any]:
        """The claims of an ID token from this provider (keys as last fetched)."""
        return verify_id_token(
            token,
            self._keys,
            issuer=self.config.issuer,
            audiences=self.config.audiences,
            now=self._clock(),
            nonce=nonce,
        )

    async def exchange(self, code: str, *, verifier: str, redirect_uri: str) -> str:
        """Trade an authorization code for tokens; the ID token."""
        metadata = await self.metadata()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if self.config.enable_pkce:
            form["code_verifier"] = verifier
        headers = {}
        if self.config.client_secret:
            headers["Authorization"] = _basic(self.config.client_id, self.config.client_secret)
        else:
            form["client_id"] = self.config.client_id  # a public client (PKCE only)
        answer = await self._request("POST", metadata.token_endpoint, data=form, headers=headers)
        token = answer.get("id_token")
        if not isinstance(token, str) or not token:
            raise AuthError("the identity provider returned no ID token")
        await self.ensure_key(token)
        return token

    async def _get_json(self, url: str) -> dict[str, Any]:
        return await self._request("GET", url)

    async def _request(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_SECONDS)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.request(
                    method, url, ssl=self._ssl, allow_redirects=False, **kwargs
                ) as response,
            ):
                body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("identity provider %s: %s", self.config.issuer, type(error).__name__)
            raise AuthError(
                f"the identity provider is unreachable ({type(error).__name__})"
            ) from error
        if len(body) > MAX_DOCUMENT_BYTES:
            raise AuthError("the identity provider's answer is too large")
        if status != 200:
            raise AuthError(f"the identity provider answered {status}")
        try:
            document = _json(body)
        except ValueError as error:
            raise AuthError("the identity provider's answer is not JSON") from error
        return document


def _basic(client_id: str, secret: str) -> str:
    """``client_secret_basic`` (RFC 6749 2.3.1: each part form-encoded first)."""
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def _json(body: bytes) -> dict[str, Any]:
    value = json.loads(body)
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def _ssl_context(root_ca: str) -> ssl.SSLContext | bool:
    if not root_ca.strip():
        return True  # aiohttp's default: the system's roots, verified
    try:
        return ssl.create_default_context(cadata=root_ca)
    except (ssl.SSLError, ValueError) as error:
        raise ConfigError(f"gitopsd-cm: oidc.config: rootCA is not valid PEM: {error}") from error


def _metadata(document: Mapping[str, Any], issuer: str) -> Metadata:
    if str(document.get("issuer") or "").rstrip("/") != issuer:
        raise AuthError("the discovery document names another issuer")
    try:
        return Metadata(
            issuer=issuer,
            authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
            end_session_endpoint=str(document.get("end_session_endpoint") or ""),
        )
    except KeyError as error:
        raise AuthError(f"the discovery document lacks {error.args[0]}") from error


def _keys(document: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document.get("keys") or []:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(entry)
        except jwt.PyJWTError:
            continue  # a key type we cannot use; others may do
        keys[str(entry.get("kid") or "")] = key
    return keys
