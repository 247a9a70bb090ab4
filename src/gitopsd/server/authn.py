"""Who is calling: the :class:`Authenticator` seam and the local-session authenticator.

A request carries a token (``Authorization: Bearer`` for the CLI and CI, the
``gitopsd.token`` cookie for browsers). Each configured :class:`Authenticator` looks at
it in turn; the first that recognises it yields a :class:`Principal`: a user name and
groups, taken from the token's claims (``sub``, and the claims named in
``gitopsd-rbac-cm``'s ``scopes``). :class:`SessionAuthenticator` accepts the server's own
session tokens; an identity provider's authenticator can be added beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from gitopsd.errors import AuthError
from gitopsd.server.accounts import Account
from gitopsd.server.tokens import Claims, TokenSigner

LOCAL = "local"


@dataclass(frozen=True)
class Principal:
    """A signed-in user, as RBAC sees them."""

    username: str
    groups: tuple[str, ...]
    session_id: str
    issued_at: float
    expires_at: float
    issuer: str = LOCAL

    @property
    def subjects(self) -> tuple[str, ...]:
        """The names RBAC matches ``p``/``g`` lines against: the user, then each group."""
        return (self.username, *self.groups)


class Authenticator(Protocol):
    def authenticate(self, token: str, *, now: float) -> Principal | None:
        """The principal for ``token``; None when the token is not this one's kind;
        AuthError when it is, but is refused (forged, expired, revoked)."""


def groups_from_claims(claims: Claims, scopes: Iterable[str]) -> tuple[str, ...]:
    """The values of the claims named in ``scopes`` (strings or lists of strings)."""
    groups: list[str] = []
    for scope in scopes:
        value = claims.value(scope)
        if isinstance(value, str) and value:
            groups.append(value)
        elif isinstance(value, list):
            groups.extend(str(v) for v in value if isinstance(v, str | int) and str(v))
    return tuple(dict.fromkeys(groups))


class SessionAuthenticator:
    """The server's own HS256 session tokens, for local accounts (and, later, SSO users).

    A token is refused when its session was revoked (logout), and, for a local account,
    when the account is gone, disabled or has lost ``login``, or its password changed
    after the token was issued.
    """

    def __init__(
        self,
        signer: Callable[[], TokenSigner],
        accounts: Callable[[], Mapping[str, Account]],
        revoked: Callable[[str], bool],
        scopes: Callable[[], Iterable[str]],
    ) -> None:
        self._signer = signer
        self._accounts = accounts
        self._revoked = revoked
        self._scopes = scopes

    def authenticate(self, token: str, *, now: float) -> Principal | None:
        claims = self._signer().verify(token, now=now)
        if self._revoked(claims.session_id):
            raise AuthError("session revoked")
        issuer = str(claims.extra.get("via") or LOCAL)
        if issuer == LOCAL:
            account = self._accounts().get(claims.subject)
            if account is None or not account.can_login:
                raise AuthError("account disabled or removed")
            if account.password_mtime > claims.issued_at:
                raise AuthError("password changed since this session began")
        return Principal(
            username=claims.subject,
            groups=groups_from_claims(claims, self._scopes()),
            session_id=claims.session_id,
            issued_at=claims.issued_at,
            expires_at=claims.expires_at,
            issuer=issuer,
        )


def authenticate(authenticators: Iterable[Authenticator], token: str, *, now: float) -> Principal:
    """The first authenticator's principal; AuthError when none accepts the token."""
    for authenticator in authenticators:
        principal = authenticator.authenticate(token, now=now)
        if principal is not None:
            return principal
    raise AuthError("unrecognised token")
