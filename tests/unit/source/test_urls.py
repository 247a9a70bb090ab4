"""Repository URL normalisation, redaction and scrubbing."""

from __future__ import annotations

import pytest

from gitopsd.source import normalize_repo_url, redact_url
from gitopsd.source.urls import scrub


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://GitHub.com/Org/Repo.git", "https://github.com/Org/Repo"),
        ("https://github.com/org/repo/", "https://github.com/org/repo"),
        ("https://user:tok@github.com/org/repo.git", "https://github.com/org/repo"),
        ("HTTPS://github.com:8443/org/repo", "https://github.com:8443/org/repo"),
        ("git@GitHub.com:org/repo.git", "git@github.com:org/repo"),
        ("ssh://git@GitHub.com/org/repo.git", "ssh://git@github.com/org/repo"),
        ("file:///srv/git/repo.git/", "file:///srv/git/repo"),
        ("  git://127.0.0.1:9418/repo.git ", "git://127.0.0.1:9418/repo"),
    ],
)
def test_normalize_repo_url(url: str, normalised: str) -> None:
    assert normalize_repo_url(url) == normalised


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:tok@host/org/repo.git", "https://host/org/repo.git"),
        ("https://tok@host/repo", "https://host/repo"),
        ("git@host:org/repo.git", "git@host:org/repo.git"),
        ("https://host/repo", "https://host/repo"),
        ("https://user:p@ss@host/repo", "https://host/repo"),
        ("https://user:pw@host?x=1", "https://host?x=1"),
        ("git:s3cret@host:org/repo.git", "git@host:org/repo.git"),
    ],
)
def test_redact_url_drops_userinfo(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_scrub_removes_userinfo_and_secret_values() -> None:
    text = "fatal: unable to access 'https://bob:s3cret@host/r.git/': token s3cret rejected"
    cleaned = scrub(text, ["s3cret"])
    assert "s3cret" not in cleaned
    assert "bob" not in cleaned
    assert "https://***@host/r.git/" in cleaned


def test_scrub_removes_a_password_holding_an_at_sign() -> None:
    cleaned = scrub("fatal: unable to access 'https://bob:p@ss@host/r.git/'")
    assert "p@ss" not in cleaned
    assert "ss@" not in cleaned
    assert "https://***@host/r.git/" in cleaned
