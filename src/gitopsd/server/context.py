"""Everything a request handler needs, built once by :mod:`gitopsd.server.main`.

:class:`ServerContext` holds the settings, the cluster client (for writes only), the
watch caches (for every read), the authorizer, the authenticators (the server's own
tokens, then the identity provider's ID tokens), the SSO settings, the sign-in limiter
and the audit trail. Accounts, the signing key, SSO and revoked sessions are derived
from the cached ConfigMap and Secret on use, so an edit takes effect without a restart.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gitopsd.cluster import KubeCluster
from gitopsd.config import ServerSettings
from gitopsd.errors import AuthError
from gitopsd.health import HealthAssessor
from gitopsd.server.accounts import SECRET_KEY, Account, accounts_from, decoded
from gitopsd.server.audit import Audit
from gitopsd.server.authn import Authenticator, SessionAuthenticator
from gitopsd.server.authz import Authorizer
from gitopsd.server.caches import Caches
from gitopsd.server.oidc.authn import IdTokenAuthenticator
from gitopsd.server.oidc.flow import UsedStates
from gitopsd.server.oidc.settings import SsoSettings
from gitopsd.server.project_tokens import token_refusal
from gitopsd.server.ratelimit import SignInLimiter
from gitopsd.server.secrets import revoked_sessions, secret_key
from gitopsd.server.targets import TargetStates
from gitopsd.server.tokens import Claims, TokenSigner


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class ServerContext:
    settings: ServerSettings
    cluster: KubeCluster
    caches: Caches
    authorizer: Authorizer
    limiter: SignInLimiter
    audit: Audit
    assessor: HealthAssessor = field(default_factory=HealthAssessor)
    clock: Callable[[], float] = time.time
    now: Callable[[], dt.datetime] = _utcnow
    authenticators: list[Authenticator] = field(default_factory=list)
    # Renders target states for managed-resources; None: not offered (tests).
    targets: TargetStates | None = None
    # Sessions this replica revoked, honoured before the Secret's watch event arrives.
    revoked_here: set[str] = field(default_factory=set)
    # SSO sign-ins already completed on this replica (a replayed callback is refused).
    used_states: UsedStates = field(default_factory=UsedStates)
    sso: SsoSettings = field(init=False)
    _signer: tuple[str, TokenSigner] | None = None

    def __post_init__(self) -> None:
        self.sso = SsoSettings(self.config_data, self.secret_data, self.read_secret, self.clock)
        if not self.authenticators:
            self.authenticators.extend(
                [
                    # First: it passes on every token that does not claim the provider as
                    # its issuer, while the session authenticator refuses what it cannot
                    # verify.
                    IdTokenAuthenticator(self.sso, self.is_revoked, self.scopes),
                    SessionAuthenticator(
                        self.signer,
                        self.accounts,
                        self.is_revoked,
                        self.scopes,
                        project_tokens=self.project_token_refusal,
                    ),
                ]
            )

    @property
    def namespace(self) -> str:
        return self.settings.namespace

    def secret_data(self) -> dict[str, str]:
        secrets = self.caches.secret.items()
        return decoded(secrets[0]) if secrets else {}

    def config_data(self) -> dict[str, str]:
        configmaps = self.caches.config.items()
        return dict((configmaps[0].get("data") or {}) if configmaps else {})

    def accounts(self) -> dict[str, Account]:
        return accounts_from(self.config_data(), self.secret_data())

    def signer_key(self) -> str:
        """``server.secretkey``: signs sessions and SSO state cookies."""
        key = self.secret_data().get(SECRET_KEY, "")
        if not key:
            raise AuthError(f"{SECRET_KEY} is not set yet in gitopsd-secret")
        return key

    def signer(self) -> TokenSigner:
        key = self.secret_data().get(SECRET_KEY, "")
        if not key:
            raise AuthError(f"{SECRET_KEY} is not set yet in gitopsd-secret")
        if self._signer is None or self._signer[0] != key:
            self._signer = (key, TokenSigner(key))
        return self._signer[1]

    def is_revoked(self, session_id: str) -> bool:
        return session_id in self.revoked_here or session_id in revoked_sessions(self.secret_data())

    def scopes(self) -> tuple[str, ...]:
        return self.authorizer.scopes()

    def project_token_refusal(self, claims: Claims) -> str:
        return token_refusal(self.caches.projects.items(), claims)

    def read_secret(self, name: str) -> dict[str, Any] | None:
        """A Secret of the namespace, read from the API (blocking): ``$name:key`` values."""
        return self.cluster.get(secret_key(self.namespace, name))
