"""Proof that a webhook came from the provider: HMAC signatures and shared tokens.

Called by :mod:`gitopsd.webhook.receiving` on the raw body, before anything is parsed.
When a secret is configured for the request's provider, a missing or wrong signature
rejects the request; with no secret configured the request is accepted unverified (the
receiver logs that once per provider). Every comparison is constant-time.

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
from dataclasses import dataclass, field
from enum import StrEnum

from gitopsd.webhook.events import Provider

# One provider's check: (lower-case headers, raw body, secret) -> the request is genuine.
_Proof = Callable[[Mapping[str, str], bytes, str], bool]


@dataclass(frozen=True)
class WebhookSecrets:
    """One shared secret per provider; empty means "do not verify". Never printed."""

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


class Verdict(StrEnum):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"  # no secret configured for the provider
    REJECTED = "rejected"


def verify_request(
    provider: Provider, headers: Mapping[str, str], body: bytes, secrets: WebhookSecrets
) -> Verdict:
    """Check the request's signature or token against ``secrets``; ``headers`` lower-case."""
    secret = secrets.for_provider(provider)
    if not secret:
        return Verdict.UNVERIFIED
    return Verdict.VERIFIED if _PROOFS[provider](headers, body, secret) else Verdict.REJECTED


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    # Bytes, because compare_digest refuses non-ASCII str and headers may carry anything.
    return hmac.compare_digest(given.encode(), expected.encode())


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
