"""Argo CD's ``oidc.config`` block, read from ``gitopsd-cm``. Pure.

The keys are Argo CD's, so a block written for ``argocd-cm`` works after the ConfigMap is
renamed: ``name``, ``issuer``, ``clientID``, ``clientSecret``, ``cliClientID``,
``requestedScopes`` (default ``openid profile email groups``), ``requestedIDTokenClaims``
(sent as the ``claims`` request parameter), ``rootCA`` (PEM the provider's TLS
certificate must chain to), ``logoutURL`` (where the browser goes after sign-out,
``{{token}}`` and ``{{logoutRedirectURL}}`` filled in), ``enablePKCEAuthentication`` and
``allowedAudiences``. Values may reference secrets as Argo CD's do: ``$key`` is a key of
``gitopsd-secret``, ``$name:key`` a key of the Secret ``name`` (which must be labelled
``app.kubernetes.io/part-of: gitopsd``). The caller passes the lookup; an unresolvable
reference is a ConfigError naming the key, never its value. Called by
:mod:`gitopsd.server.oidc.settings`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from gitopsd.errors import ConfigError

OIDC_KEY = "oidc.config"
URL_KEY = "url"
DEFAULT_SCOPES = ("openid", "profile", "email", "groups")
SECRET_VALUED = ("issuer", "clientID", "clientSecret", "cliClientID", "rootCA", "logoutURL")
# A reference names a secret key: "$key" (gitopsd-secret) or "$name:key" (Secret name).
SecretLookup = Callable[[str, str], str | None]


@dataclass(frozen=True)
class OidcConfig:
    name: str
    issuer: str
    client_id: str
    client_secret: str = field(default="", repr=False)
    cli_client_id: str = ""
    requested_scopes: tuple[str, ...] = DEFAULT_SCOPES
    requested_id_token_claims: Mapping[str, Any] = field(default_factory=dict)
    root_ca: str = field(default="", repr=False)
    logout_url: str = ""
    enable_pkce: bool = True
    allowed_audiences: tuple[str, ...] = ()

    @property
    def audiences(self) -> tuple[str, ...]:
        """Who an ID token may be for: ``allowedAudiences``, else the two client ids."""
        if self.allowed_audiences:
            return self.allowed_audiences
        return tuple(a for a in dict.fromkeys((self.client_id, self.cli_client_id)) if a)


def parse_oidc_config(text: str | None, lookup: SecretLookup) -> OidcConfig | None:
    """The block in ``text`` (YAML), or None when SSO is not configured."""
    if not text or not text.strip():
        return None
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"gitopsd-cm: {OIDC_KEY}: not YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"gitopsd-cm: {OIDC_KEY}: expected a mapping")
    values = {key: _resolved(key, raw.get(key), lookup) for key in SECRET_VALUED}
    for required in ("issuer", "clientID"):
        if not values[required]:
            raise ConfigError(f"gitopsd-cm: {OIDC_KEY}: {required} is required")
    issuer = values["issuer"].rstrip("/")
    if not issuer.startswith(("https://", "http://")):
        raise ConfigError(f"gitopsd-cm: {OIDC_KEY}: issuer must be an http(s) URL")
    return OidcConfig(
        name=str(raw.get("name") or "SSO"),
        issuer=issuer,
        client_id=values["clientID"],
        client_secret=values["clientSecret"],
        cli_client_id=values["cliClientID"],
        requested_scopes=_scopes(raw.get("requestedScopes")),
        requested_id_token_claims=_claims(raw.get("requestedIDTokenClaims")),
        root_ca=values["rootCA"],
        logout_url=values["logoutURL"],
        enable_pkce=_flag(raw.get("enablePKCEAuthentication"), default=True),
        allowed_audiences=_strings(raw.get("allowedAudiences"), "allowedAudiences"),
    )


def _resolved(key: str, value: Any, lookup: SecretLookup) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"gitopsd-cm: {OIDC_KEY}: {key} must be a string")
    text = value.strip()
    if not text.startswith("$") or len(text) < 2:
        return text
    reference = text[1:]
    secret, colon, secret_key = reference.partition(":")
    name, item = (secret, secret_key) if colon else ("", reference)
    if colon and (not secret or not secret_key):
        raise ConfigError(f"gitopsd-cm: {OIDC_KEY}: {key}: expected $key or $secret-name:key")
    found = lookup(name, item)
    if found is None:
        where = f"Secret {name}" if name else "gitopsd-secret"
        raise ConfigError(f"gitopsd-cm: {OIDC_KEY}: {key}: {where} has no key {item!r}")
    return found.strip() if key != "rootCA" else found


def _scopes(value: Any) -> tuple[str, ...]:
    scopes = _strings(value, "requestedScopes")
    if not scopes:
        return DEFAULT_SCOPES
    return scopes if "openid" in scopes else ("openid", *scopes)


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"gitopsd-cm: {OIDC_KEY}: {key} must be a list of strings")
    return tuple(dict.fromkeys(v.strip() for v in value))


def _claims(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"gitopsd-cm: {OIDC_KEY}: requestedIDTokenClaims must be a mapping")
    return dict(value)


def _flag(value: Any, *, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"
