"""The browser's authorization code flow, the parts that need no network. Pure.

``GET /auth/login`` creates a :class:`PendingLogin` (random ``state`` and ``nonce``, a PKCE
verifier) and keeps it in a short-lived cookie, signed and bound to its ``state`` with an
HMAC under ``server.secretkey``; the identity provider gets the state, the nonce and the
verifier's S256 challenge. ``GET /auth/callback`` accepts only a ``state`` equal to the
one in that browser's cookie (so nobody can push their own sign-in into someone else's
browser), within five minutes, once. ``return_url`` is kept only when it is a path on this
server (``/applications?x=1``): absolute URLs, ``//host`` and backslash tricks are refused,
so sign-in can never become an open redirect. Used by :mod:`gitopsd.server.api.sso`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import urllib.parse
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from gitopsd.errors import AuthError, ConfigError

STATE_COOKIE = "gitopsd.oauthstate"
STATE_SECONDS = 300
MAX_RETURN_URL = 2048
_PATH_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/?%#")


@dataclass(frozen=True)
class PendingLogin:
    state: str
    nonce: str
    verifier: str
    return_url: str
    expires_at: float

    def __repr__(self) -> str:
        return f"PendingLogin(return_url={self.return_url!r}, expires_at={self.expires_at})"


def new_login(return_url: str, *, now: float) -> PendingLogin:
    return PendingLogin(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        verifier=secrets.token_urlsafe(64),  # 86 characters: within PKCE's 43..128
        return_url=return_url,
        expires_at=float(int(now + STATE_SECONDS)),
    )


def code_challenge(verifier: str) -> str:
    """PKCE's S256 challenge: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def safe_return_url(text: str | None) -> str:
    """``text`` when it is a path on this server, ``/`` when empty; ConfigError else."""
    if not text:
        return "/"
    if len(text) > MAX_RETURN_URL:
        raise ConfigError("return_url is too long")
    if not text.startswith("/") or text.startswith(("//", "/\\")):
        raise ConfigError("return_url must be a path on this server, like /applications")
    if not set(text) <= _PATH_CHARACTERS:
        raise ConfigError("return_url must be a path on this server, like /applications")
    parsed = urllib.parse.urlsplit(text)
    if parsed.scheme or parsed.netloc:
        raise ConfigError("return_url must be a path on this server, like /applications")
    return text


def authorization_url(
    endpoint: str,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: tuple[str, ...],
    login: PendingLogin,
    pkce: bool,
    claims: Mapping[str, Any] | None = None,
) -> str:
    """Where the browser goes to sign in at the identity provider."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": login.state,
        "nonce": login.nonce,
    }
    if pkce:
        query["code_challenge"] = code_challenge(login.verifier)
        query["code_challenge_method"] = "S256"
    if claims:
        query["claims"] = json.dumps({"id_token": dict(claims)}, separators=(",", ":"))
    separator = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    return endpoint + separator + urllib.parse.urlencode(query)


def seal(login: PendingLogin, key: str) -> str:
    """The cookie value: the pending login as base64 JSON, then its HMAC."""
    payload = base64.urlsafe_b64encode(json.dumps(asdict(login)).encode()).decode()
    return f"{payload}.{_mac(key, payload)}"


def unseal(value: str, key: str, *, state: str, now: float) -> PendingLogin:
    """The pending login in a cookie whose MAC verifies and whose state is ``state``."""
    payload, _, mac = value.rpartition(".")
    if not payload or not hmac.compare_digest(mac, _mac(key, payload)):
        raise AuthError("sign-in state cookie is missing or was tampered with")
    try:
        login = PendingLogin(**json.loads(base64.urlsafe_b64decode(payload)))
    except (ValueError, TypeError) as error:
        raise AuthError("sign-in state cookie is malformed") from error
    if not state or not hmac.compare_digest(login.state, state):
        raise AuthError("state does not match this browser's sign-in")
    if now >= login.expires_at:
        raise AuthError("sign-in took too long; start again")
    return login


def _mac(key: str, payload: str) -> str:
    return hmac.new(key.encode(), f"oauthstate:{payload}".encode(), hashlib.sha256).hexdigest()


class UsedStates:
    """States already redeemed on this replica, until they would have expired anyway."""

    def __init__(self) -> None:
        self._used: dict[str, float] = {}

    def redeem(self, login: PendingLogin, *, now: float) -> None:
        """Mark ``login`` used; AuthError when it already was."""
        self._used = {s: t for s, t in self._used.items() if t > now}
        if login.state in self._used:
            raise AuthError("this sign-in was already completed")
        self._used[login.state] = login.expires_at


def logout_url(template: str, server_url: str) -> str:
    """Argo CD's ``logoutURL`` with ``{{logoutRedirectURL}}`` filled in; ``{{token}}`` (an
    ID token hint) is left empty, as the server keeps no identity provider tokens."""
    redirect = urllib.parse.quote(server_url or "/", safe="")
    return template.replace("{{logoutRedirectURL}}", redirect).replace("{{token}}", "")
