"""Proof that a webhook came from the provider: HMAC signatures and shared tokens.

Called by :mod:`gitopsd.webhook.receiving` on the raw body, before anything is parsed.
When a secret is configured for the request's provider, a missing or wrong signature
rejects the request. A provider without a secret of its own is refused as soon as any
provider has one (a forged GitLab push must not walk past a GitHub-only setup), unless
``gitopsd-cm`` allows it explicitly with ``webhook.allowUnsigned.<provider>: "true"``;
only when no secret is configured at all are pushes accepted unverified. Every
comparison is constant-time, in length too (digests of equal size are compared).

What each provider sends:

- GitHub: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>``.
- GitLab: ``X-Gitlab-Token: <the secret token itself>``.
- Bitbucket Cloud: ``X-Hub-Signature: sha256=<hex HMAC-SHA256>`` when the webhook has a
  secret. Argo CD configurations use the webhook's UUID instead; ``X-Hook-UUID`` equal to
  the configured secret is accepted too, so such a setup works after migration (a UUID is
  weaker than an HMAC secret: it travels with every request).
- Bitbucket Server / Data Center: ``X-Hub-Signature: sha256=<hex HMAC-SHA256>``.
- Gitea: ``X-Gitea-Signature: <hex HMAC-SHA256>``; Gogs: ``X-Gogs-Signature``, same form.
  Both use the ``gitea`` secret.
- Generic: ``X-Gitopsd-Signature: sha256=<hex HMAC-SHA256>`` or
  ``Authorization: Bearer <secret>``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum

from gitopsd.errors import ConfigError
from gitopsd.webhook.events import Provider

# gitopsd-cm keys ``webhook.allowUnsigned.<provider>``: accept that provider unsigned.
ALLOW_UNSIGNED_PREFIX = "webhook.allowUnsigned."

# One provider's check: (lower-case headers, raw body, secret) -> the request is genuine.
_Proof = Callable[[Mapping[str, str], bytes, str], bool]


@dataclass(frozen=True)
class WebhookSecrets:
    """One shared secret per provider; empty means none is configured. Never printed."""

    github: str = field(default="", repr=False)
    gitlab: str = field(default="", repr=False)
    bitbucket: str = field(default="", repr=False)
    bitbucketserver: str = field(default="", repr=False)
    gitea: str = field(default="", repr=False)
    generic: str = field(default="", repr=False)

    def for_provider(self, provider: Provider) -> str:
        if provider is Provider.GOGS:
            return self.gitea
        return str(getattr(self, provider.value))

    def any(self) -> bool:
        """Whether a secret is configured for at least one provider."""
        return any(getattr(self, f.name) for f in fields(self))

    @classmethod
    def from_data(cls, data: Mapping[str, str]) -> WebhookSecrets:
        """The secrets in ``gitopsd-secret``'s decoded data, under Argo CD's key names."""
        return cls(**{f.name: data.get(SECRET_KEYS[Provider(f.name)], "") for f in fields(cls)})


# Where each provider's secret lives in ``gitopsd-secret`` (Argo CD's argocd-secret keys);
# Gitea and Gogs share one.
SECRET_KEYS: dict[Provider, str] = {
    Provider.GITHUB: "webhook.github.secret",
    Provider.GITLAB: "webhook.gitlab.secret",
    Provider.BITBUCKET: "webhook.bitbucket.uuid",
    Provider.BITBUCKET_SERVER: "webhook.bitbucketserver.secret",
    Provider.GITEA: "webhook.gogs.secret",
    Provider.GOGS: "webhook.gogs.secret",
    Provider.GENERIC: "webhook.generic.secret",
}


class Verdict(StrEnum):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"  # no secret for the provider, and unsigned pushes allowed
    REJECTED = "rejected"  # a wrong or missing signature or token
    UNSIGNED_REFUSED = "unsigned_refused"  # no secret for the provider, others have one


def verify_request(
    provider: Provider,
    headers: Mapping[str, str],
    body: bytes,
    secrets: WebhookSecrets,
    allow_unsigned: frozenset[Provider] = frozenset(),
) -> Verdict:
    """Check the request's signature or token against ``secrets``; ``headers`` lower-case.

    ``allow_unsigned`` lists the providers accepted without a secret of their own while
    other providers have one.
    """
    secret = secrets.for_provider(provider)
    if secret:
        proven = _PROOFS[provider](headers, body, secret)
        return Verdict.VERIFIED if proven else Verdict.REJECTED
    if secrets.any() and provider not in allow_unsigned:
        return Verdict.UNSIGNED_REFUSED
    return Verdict.UNVERIFIED


def allowed_unsigned(config: Mapping[str, str]) -> frozenset[Provider]:
    """The providers ``gitopsd-cm`` accepts unsigned (``webhook.allowUnsigned.<p>``).

    Raises :class:`~gitopsd.errors.ConfigError` for an unknown provider or a value other
    than ``"true"`` or ``"false"``, so a typo never widens or silently keeps a hole.
    """
    allowed: set[Provider] = set()
    for key, value in config.items():
        if not key.startswith(ALLOW_UNSIGNED_PREFIX):
            continue
        name = key.removeprefix(ALLOW_UNSIGNED_PREFIX)
        if name not in {p.value for p in Provider}:
            known = ", ".join(p.value for p in Provider)
            raise ConfigError(f"gitopsd-cm: {key}: unknown webhook provider (one of {known})")
        flag = str(value).strip().lower()
        if flag not in ("true", "false"):
            raise ConfigError(f'gitopsd-cm: {key}: expected "true" or "false", got {value!r}')
        if flag == "true":
            allowed.add(Provider(name))
    return frozenset(allowed)


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    # Digests, so the comparison takes the same time whatever the lengths (compare_digest
    # returns early on a length mismatch, which would tell a plain token's length); bytes,
    # because headers may carry anything.
    given_digest = hashlib.sha256(given.encode("utf-8", "surrogateescape")).digest()
    expected_digest = hashlib.sha256(expected.encode("utf-8", "surrogateescape")).digest()
    return hmac.compare_digest(given_digest, expected_digest)


def _prefixed_hmac(header: str) -> _Proof:
    def check(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        given = headers.get(header, "")
        return _same(given.strip().lower(), "sha256=" + hmac_sha256_hex(secret, body))

    return check


def _bare_hmac(header: str) -> _Proof:
    def check(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        return _same(headers.get(header, "").strip().lower(), hmac_sha256_hex(secret, body))

    return check


def _gitlab_token(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    return _same(headers.get("x-gitlab-token", ""), secret)


def _bitbucket_cloud(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    if "x-hub-signature" in headers:
        return _prefixed_hmac("x-hub-signature")(headers, body, secret)
    return _same(headers.get("x-hook-uuid", "").strip("{}"), secret.strip("{}"))


def _generic(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    if "x-gitopsd-signature" in headers:
        return _prefixed_hmac("x-gitopsd-signature")(headers, body, secret)
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and _same(token.strip(), secret)


_PROOFS: dict[Provider, _Proof] = {
    Provider.GITHUB: _prefixed_hmac("x-hub-signature-256"),
    Provider.GITLAB: _gitlab_token,
    Provider.BITBUCKET: _bitbucket_cloud,
    Provider.BITBUCKET_SERVER: _prefixed_hmac("x-hub-signature"),
    Provider.GITEA: _bare_hmac("x-gitea-signature"),
    Provider.GOGS: _bare_hmac("x-gogs-signature"),
    Provider.GENERIC: _generic,
}
