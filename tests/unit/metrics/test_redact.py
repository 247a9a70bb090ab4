"""Repository URLs lose passwords, tokens, query strings and fragments."""

from __future__ import annotations

import pytest

from gitopsd.metrics import strip_credentials


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://github.com/org/repo.git", "https://github.com/org/repo.git"),
        ("https://user:pass@github.com/org/repo.git", "https://github.com/org/repo.git"),
        ("https://ghp_token@github.com/org/repo", "https://github.com/org/repo"),
        ("http://u:p@git.local:3000/a/b", "http://git.local:3000/a/b"),
        (
            "https://gitlab.com/org/repo.git?private_token=abc#frag",
            "https://gitlab.com/org/repo.git",
        ),
        ("ssh://git@github.com/org/repo.git", "ssh://git@github.com/org/repo.git"),
        ("ssh://git:hunter2@host:2222/org/repo.git", "ssh://git@host:2222/org/repo.git"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        ("git:hunter2@github.com:org/repo.git", "git@github.com:org/repo.git"),
        ("https://u:p@[::1]:8443/r", "https://[::1]:8443/r"),
        ("https://u:p@host:notaport/r?t=1", "https://host:notaport/r"),
        ("/srv/git/repo", "/srv/git/repo"),
        ("", ""),
    ],
)
def test_strip_credentials(url: str, safe: str) -> None:
    assert strip_credentials(url) == safe
