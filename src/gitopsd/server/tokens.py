"""Session tokens: HS256 JWTs signed with ``server.secretkey`` (pyjwt).

Claims: ``iss`` (gitopsd), ``sub`` (the user), ``groups`` (for users signed in through an
identity provider; empty for local accounts), ``jti`` (the session id, which logout
revokes), ``iat``, ``nbf`` and ``exp``, and ``via``: how the holder signed in (``local``,
the identity provider's issuer, ``project`` for an AppProject role token, ``apikey`` for
a local account's API key). Only the last two may lack ``exp`` (Argo CD's tokens that
never expire); :mod:`gitopsd.server.authn` enforces that. Expiry is checked against the
clock passed in, not pyjwt's, so tests control time. Called by the sign-in and token
handlers (issue) and :mod:`gitopsd.server.authn` (verify).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

from gitopsd.errors import AuthError

ISSUER = "gitopsd"
ALGORITHM = "HS256"
CLOCK_SKEW_SECONDS = 5.0
NEVER = float("inf")


@dataclass(frozen=True)
class Claims:
    subject: str
    session_id: str
    issued_at: float
    expires_at: float
    groups: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        """A claim by name (``sub``, ``groups`` or any other the token carries)."""
        known = {"sub": self.subject, "groups": list(self.groups), "jti": self.session_id}
        return known[name] if name in known else self.extra.get(name)


class TokenSigner:
    def __init__(self, key: str) -> None:
        if len(key) < 16:
            raise AuthError("server.secretkey is too short to sign sessions")
        self._key = key.encode()

    def issue(
        self,
        subject: str,
        *,
        now: float,
        lifetime_seconds: float | None,
        groups: tuple[str, ...] = (),
        extra: Mapping[str, Any] | None = None,
        token_id: str = "",
    ) -> tuple[str, Claims]:
        """A signed token; ``lifetime_seconds`` None: no ``exp`` (only for API tokens)."""
        claims = Claims(
            subject=subject,
            session_id=token_id or secrets.token_hex(16),
            issued_at=float(int(now)),
            expires_at=NEVER if lifetime_seconds is None else float(int(now + lifetime_seconds)),
            groups=groups,
            extra=dict(extra or {}),
        )
        payload = {
            **claims.extra,
            "iss": ISSUER,
            "sub": subject,
            "jti": claims.session_id,
            "iat": int(claims.issued_at),
            "nbf": int(claims.issued_at),
        }
        if lifetime_seconds is not None:
            payload["exp"] = int(claims.expires_at)
        if groups:
            payload["groups"] = list(groups)
        return jwt.encode(payload, self._key, algorithm=ALGORITHM), claims

    def verify(self, token: str, *, now: float) -> Claims:
        """The token's claims; AuthError when it is forged, malformed or expired."""
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={
                    "require": ["iss", "sub", "jti", "iat"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as error:
            raise AuthError(f"invalid session token: {type(error).__name__}") from error
        expires = float(payload["exp"]) if "exp" in payload else NEVER
        if now >= expires:
            raise AuthError("session expired")
        if float(payload["iat"]) > now + CLOCK_SKEW_SECONDS:
            raise AuthError("session token issued in the future")
        groups = payload.get("groups") or []
        return Claims(
            subject=str(payload["sub"]),
            session_id=str(payload["jti"]),
            issued_at=float(payload["iat"]),
            expires_at=expires,
            groups=tuple(str(g) for g in groups) if isinstance(groups, list) else (),
            extra={k: v for k, v in payload.items() if k not in _STANDARD},
        )


_STANDARD = frozenset({"iss", "sub", "jti", "iat", "nbf", "exp", "groups"})
