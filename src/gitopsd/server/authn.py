"""Who is calling: the :class:`Authenticator` seam and the local-session authenticator.

A request carries a token (``Authorization: Bearer`` for the CLI and CI, the
``gitopsd.token`` cookie for browsers). Each configured :class:`Authenticator` looks at
it in turn; the first that recognises it yields a :class:`Principal`: a user name and
groups, taken from the token's claims (``sub``, and the claims named in
``gitopsd-rbac-cm``'s ``scopes``). :class:`SessionAuthenticator` accepts the server's own
tokens: sessions of local accounts and of SSO users, AppProject role tokens and local
accounts' API keys; :class:`~gitopsd.server.oidc.authn.IdTokenAuthenticator` accepts the
identity provider's own ID tokens (``gitopsd login --sso``). An authenticator may also
have an ``async prepare(token)`` that the middleware awaits first (fetching keys).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from gitopsd.errors import AuthError
from gitopsd.server.accounts import Account
from gitopsd.server.tokens import NEVER, Claims, TokenSigner

LOCAL = "local"
PROJECT = "project"
API_KEY = "apikey"
# Checks a project role token against its AppProject: a refusal, or "" when it stands.
ProjectTokenCheck = Callable[[Claims], str]


@dataclass(frozen=True)
class Principal:
    """A signed-in user, as RBAC sees them."""

    username: str
    groups: tuple[str, ...]
    session_id: str
    issued_at: float
    expires_at: float
    issuer: str = LOCAL
    email: str = ""

    @property
    def display_name(self) -> str:
        """Who people read in events and ``initiatedBy``: the e-mail, else the name."""
        return self.email or self.username

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
    return groups_from_values(claims.value, scopes)


def groups_from_values(claim: Callable[[str], Any], scopes: Iterable[str]) -> tuple[str, ...]:
    """The values ``claim`` gives for the names in ``scopes`` (strings or lists of them)."""
    groups: list[str] = []
    for scope in scopes:
        value = claim(scope)
        if isinstance(value, str) and value:
            groups.append(value)
        elif isinstance(value, list):
            groups.extend(str(v) for v in value if isinstance(v, str | int) and str(v))
    return tuple(dict.fromkeys(groups))


class SessionAuthenticator:
    """The server's own HS256 tokens.

    Every token is refused when its id was revoked (logout). Then, by ``via``: a local
    account's session when the account is gone, disabled or has lost ``login``, or its
    password changed after the token was issued; an API key when the account lost
    ``apiKey`` or the key's id is no longer listed for it; a project role token when its
    entry left the AppProject's ``jwtTokens`` (``project_tokens`` says). Only API keys and
    project tokens may be without expiry.
    """

    def __init__(
        self,
        signer: Callable[[], TokenSigner],
        accounts: Callable[[], Mapping[str, Account]],
        revoked: Callable[[str], bool],
        scopes: Callable[[], Iterable[str]],
        project_tokens: ProjectTokenCheck | None = None,
    ) -> None:
        self._signer = signer
        self._accounts = accounts
        self._revoked = revoked
        self._scopes = scopes
        self._project_tokens = project_tokens

    def authenticate(self, token: str, *, now: float) -> Principal | None:
        claims = self._signer().verify(token, now=now)
        if self._revoked(claims.session_id):
            raise AuthError("session revoked")
        issuer = str(claims.extra.get("via") or LOCAL)
        if claims.expires_at == NEVER and issuer not in (PROJECT, API_KEY):
            raise AuthError("session token without expiry")
        if issuer == LOCAL:
            self._check_session(claims)
        elif issuer == API_KEY:
            self._check_api_key(claims)
        elif issuer == PROJECT:
            refusal = self._project_tokens(claims) if self._project_tokens else "not accepted"
            if refusal:
                raise AuthError(f"project token: {refusal}")
        email = claims.extra.get("email")
        return Principal(
            username=claims.subject,
            groups=groups_from_claims(claims, self._scopes()) if issuer != PROJECT else (),
            session_id=claims.session_id,
            issued_at=claims.issued_at,
            expires_at=claims.expires_at,
            issuer=issuer,
            email=email if isinstance(email, str) else "",
        )

    def _check_session(self, claims: Claims) -> None:
        account = self._accounts().get(claims.subject)
        if account is None or not account.can_login:
            raise AuthError("account disabled or removed")
        if account.password_mtime > claims.issued_at:
            raise AuthError("password changed since this session began")

    def _check_api_key(self, claims: Claims) -> None:
        account = self._accounts().get(claims.subject)
        if account is None or not account.can_use_api_keys:
            raise AuthError("account disabled, removed or without apiKey")
        if claims.session_id not in {t.id for t in account.tokens}:
            raise AuthError("API key revoked")


async def prepare(authenticators: Iterable[Authenticator], token: str) -> None:
    """Let each authenticator that needs the network for ``token`` fetch it first."""
    for authenticator in authenticators:
        hook = getattr(authenticator, "prepare", None)
        if hook is not None:
            await hook(token)


def authenticate(authenticators: Iterable[Authenticator], token: str, *, now: float) -> Principal:
    """The first authenticator's principal; AuthError when none accepts the token."""
    for authenticator in authenticators:
        principal = authenticator.authenticate(token, now=now)
        if principal is not None:
            return principal
    raise AuthError("unrecognised token")
