"""The identity provider's ID tokens as bearer tokens, as Argo CD's CLI uses them.

``gitopsd login --sso`` signs in at the identity provider itself (PKCE, on
``localhost:8085``) and sends the ID token it got as ``Authorization: Bearer``. This
authenticator takes a token only when it claims the configured issuer; it is then
verified like the browser's (signature by a published key, ``iss``, ``aud``, expiry)
except for the nonce, which only the CLI knew. The session id is the token's ``jti``, or
its hash, so ``DELETE /api/v1/session`` can revoke it. Used by
:mod:`gitopsd.server.api.middleware` through ``ServerContext.authenticators``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from gitopsd.errors import AuthError
from gitopsd.server.authn import Principal, groups_from_values
from gitopsd.server.oidc.idtoken import unverified_issuer
from gitopsd.server.oidc.settings import SsoSettings
from gitopsd.server.tokens import ISSUER


class IdTokenAuthenticator:
    def __init__(
        self,
        settings: SsoSettings,
        revoked: Callable[[str], bool],
        scopes: Callable[[], Iterable[str]],
    ) -> None:
        self._settings = settings
        self._revoked = revoked
        self._scopes = scopes

    async def prepare(self, token: str) -> None:
        """Make sure the provider's keys for ``token`` are at hand (network, awaited)."""
        if unverified_issuer(token) in ("", ISSUER):  # not a provider's: nothing to fetch
            return
        sso = await self._settings.refresh()
        if sso is not None and unverified_issuer(token) == sso.config.issuer:
            await sso.provider.ensure_key(token)

    def authenticate(self, token: str, *, now: float) -> Principal | None:
        sso = self._settings.current()
        if sso is None or unverified_issuer(token) != sso.config.issuer:
            return None
        claims = sso.provider.verify(token)
        session_id = str(claims.get("jti") or "") or hashlib.sha256(token.encode()).hexdigest()
        if self._revoked(session_id):
            raise AuthError("session revoked")
        return principal_from_claims(claims, self._scopes(), session_id, sso.config.issuer)


def principal_from_claims(
    claims: dict[str, Any], scopes: Iterable[str], session_id: str, issuer: str
) -> Principal:
    """A principal from ID-token claims: ``sub``, groups from the ``scopes`` claims."""
    email = claims.get("email")
    return Principal(
        username=str(claims["sub"]),
        groups=groups_from_values(claims.get, scopes),
        session_id=session_id,
        issued_at=float(claims["iat"]),
        expires_at=float(claims["exp"]),
        issuer=issuer,
        email=email if isinstance(email, str) else "",
    )
