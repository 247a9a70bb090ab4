"""Signatures and tokens: valid ones pass, wrong or missing ones reject, no secret skips."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from gitopsd.errors import ConfigError
from gitopsd.webhook import Provider, Verdict, WebhookSecrets, allowed_unsigned, verify_request

BODY = b'{"ref": "refs/heads/main"}'
SECRET = "s3cr3t-value"
OTHER = "not-the-secret"


def sign(secret: str, body: bytes = BODY) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# provider, secrets field, headers signed with a given secret
SIGNED: list[tuple[Provider, str, object]] = [
    (Provider.GITHUB, "github", lambda s: {"x-hub-signature-256": f"sha256={sign(s)}"}),
    (Provider.GITLAB, "gitlab", lambda s: {"x-gitlab-token": s}),
    (Provider.BITBUCKET, "bitbucket", lambda s: {"x-hub-signature": f"sha256={sign(s)}"}),
    (Provider.BITBUCKET, "bitbucket", lambda s: {"x-hook-uuid": "{" + s + "}"}),
    (
        Provider.BITBUCKET_SERVER,
        "bitbucketserver",
        lambda s: {"x-hub-signature": f"sha256={sign(s)}"},
    ),
    (Provider.GITEA, "gitea", lambda s: {"x-gitea-signature": sign(s)}),
    (Provider.GOGS, "gitea", lambda s: {"x-gogs-signature": sign(s)}),
    (Provider.GENERIC, "generic", lambda s: {"x-gitopsd-signature": f"sha256={sign(s)}"}),
    (Provider.GENERIC, "generic", lambda s: {"authorization": f"Bearer {s}"}),
]
IDS = [f"{p.value}-{sorted(h(SECRET))[0]}" for p, _, h in SIGNED]  # type: ignore[operator]


@pytest.mark.parametrize(("provider", "field", "headers_for"), SIGNED, ids=IDS)
def test_correct_signature_is_verified(provider: Provider, field: str, headers_for: object) -> None:
    secrets = WebhookSecrets(**{field: SECRET})
    headers = headers_for(SECRET)  # type: ignore[operator]
    assert verify_request(provider, headers, BODY, secrets) is Verdict.VERIFIED


@pytest.mark.parametrize(("provider", "field", "headers_for"), SIGNED, ids=IDS)
def test_wrong_secret_is_rejected(provider: Provider, field: str, headers_for: object) -> None:
    secrets = WebhookSecrets(**{field: SECRET})
    headers = headers_for(OTHER)  # type: ignore[operator]
    assert verify_request(provider, headers, BODY, secrets) is Verdict.REJECTED


@pytest.mark.parametrize(("provider", "field", "headers_for"), SIGNED, ids=IDS)
def test_missing_signature_is_rejected(provider: Provider, field: str, headers_for: object) -> None:
    secrets = WebhookSecrets(**{field: SECRET})
    assert verify_request(provider, {}, BODY, secrets) is Verdict.REJECTED


@pytest.mark.parametrize(("provider", "field", "headers_for"), SIGNED, ids=IDS)
def test_no_secret_means_unverified(provider: Provider, field: str, headers_for: object) -> None:
    assert verify_request(provider, {}, BODY, WebhookSecrets()) is Verdict.UNVERIFIED


def test_signature_covers_the_body() -> None:
    headers = {"x-hub-signature-256": f"sha256={sign(SECRET)}"}
    tampered = BODY.replace(b"main", b"evil")
    secrets = WebhookSecrets(github=SECRET)
    assert verify_request(Provider.GITHUB, headers, tampered, secrets) is Verdict.REJECTED


def test_another_providers_secret_refuses_unsigned_pushes() -> None:
    secrets = WebhookSecrets(gitlab=SECRET)
    assert verify_request(Provider.GITHUB, {}, BODY, secrets) is Verdict.UNSIGNED_REFUSED
    # Not even a valid-looking signature helps: there is nothing to check it against.
    headers = {"x-hub-signature-256": f"sha256={sign(SECRET)}"}
    assert verify_request(Provider.GITHUB, headers, BODY, secrets) is (Verdict.UNSIGNED_REFUSED)


def test_unsigned_provider_allowed_explicitly_is_unverified() -> None:
    secrets = WebhookSecrets(gitlab=SECRET)
    allowed = frozenset({Provider.GITHUB})
    assert verify_request(Provider.GITHUB, {}, BODY, secrets, allowed) is Verdict.UNVERIFIED
    assert verify_request(Provider.GENERIC, {}, BODY, secrets, allowed) is (
        Verdict.UNSIGNED_REFUSED
    )
    # Allowing a provider unsigned never skips the check of its own secret.
    assert verify_request(Provider.GITLAB, {}, BODY, secrets, frozenset(Provider)) is (
        Verdict.REJECTED
    )


def test_gogs_uses_the_gitea_secret_so_is_not_unsigned() -> None:
    secrets = WebhookSecrets(gitea=SECRET)
    headers = {"x-gogs-signature": sign(SECRET)}
    assert verify_request(Provider.GOGS, headers, BODY, secrets) is Verdict.VERIFIED


@pytest.mark.parametrize("token", ["", "s", SECRET[:-1], SECRET + "x", SECRET * 40])
def test_tokens_of_any_length_are_compared_and_rejected(token: str) -> None:
    headers = {"x-gitlab-token": token}
    assert verify_request(Provider.GITLAB, headers, BODY, WebhookSecrets(gitlab=SECRET)) is (
        Verdict.REJECTED
    )


def test_allowed_unsigned_reads_gitopsd_cm() -> None:
    config = {
        "webhook.allowUnsigned.gitlab": "true",
        "webhook.allowUnsigned.generic": "True",
        "webhook.allowUnsigned.github": "false",
        "timeout.reconciliation": "60s",
    }
    assert allowed_unsigned(config) == {Provider.GITLAB, Provider.GENERIC}
    assert allowed_unsigned({}) == frozenset()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("webhook.allowUnsigned.githb", "true", "unknown webhook provider"),
        ("webhook.allowUnsigned.gitlab", "yes please", 'expected "true" or "false"'),
    ],
)
def test_allowed_unsigned_refuses_what_it_cannot_read(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        allowed_unsigned({key: value})


def test_secrets_come_from_argo_cd_key_names() -> None:
    data = {
        "webhook.github.secret": "gh",
        "webhook.gitlab.secret": "gl",
        "webhook.bitbucket.uuid": "bb",
        "webhook.bitbucketserver.secret": "bbs",
        "webhook.gogs.secret": "gogs",
        "webhook.generic.secret": "gen",
    }
    secrets = WebhookSecrets.from_data(data)
    assert [secrets.for_provider(p) for p in Provider] == [
        "gh", "gl", "bb", "bbs", "gogs", "gogs", "gen"
    ]  # fmt: skip
    assert not WebhookSecrets.from_data({}).any()


def test_non_ascii_header_is_rejected_not_raised() -> None:
    headers = {"x-gitlab-token": "sécret"}
    assert verify_request(Provider.GITLAB, headers, BODY, WebhookSecrets(gitlab=SECRET)) is (
        Verdict.REJECTED
    )


def test_secrets_never_show_in_repr() -> None:
    assert SECRET not in repr(WebhookSecrets(github=SECRET, generic=SECRET))
