"""Every spelling of one repository normalises to the same string; different ones do not."""

from __future__ import annotations

import pytest

from gitopsd.webhook import normalize_repo_url

SAME_REPO = [
    "https://github.com/org/repo",
    "https://github.com/org/repo.git",
    "https://github.com/org/repo/",
    "https://github.com/org/repo.git/",
    "https://GitHub.com/Org/Repo",
    "https://user:token@github.com/org/repo.git",
    "https://ghp_token@github.com/org/repo",
    "https://github.com:443/org/repo",
    "http://github.com/org/repo",
    "git@github.com:org/repo.git",
    "git@github.com:org/repo",
    "git@github.com:/org/repo.git",
    "ssh://git@github.com/org/repo.git",
    "ssh://git@github.com:22/org/repo.git",
    "git://github.com/org/repo.git",
    "  https://github.com/org/repo  ",
]


@pytest.mark.parametrize("url", SAME_REPO)
def test_spellings_of_one_repository_agree(url: str) -> None:
    assert normalize_repo_url(url) == "github.com/org/repo"


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        (
            "ssh://git@bitbucket.example.com:7999/proj/repo.git",
            "bitbucket.example.com:7999/proj/repo",
        ),
        ("http://localhost:3000/gitea/webhooks.git", "localhost:3000/gitea/webhooks"),
        ("https://[::1]:8443/org/repo.git", "[::1]:8443/org/repo"),
        ("https://gitlab.example.com/group/sub/repo.git", "gitlab.example.com/group/sub/repo"),
        ("/srv/git/repo.git", "srv/git/repo"),
    ],
)
def test_ports_and_paths_are_kept(url: str, normalised: str) -> None:
    assert normalize_repo_url(url) == normalised


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://github.com/org/repo", "https://github.com/org/repo2"),
        ("https://github.com/org/repo", "https://gitlab.com/org/repo"),
        ("https://github.com/org/repo", "https://github.com/other/repo"),
        ("ssh://git@host:7999/p/r.git", "https://host/p/r.git"),
    ],
)
def test_different_repositories_differ(one: str, other: str) -> None:
    assert normalize_repo_url(one) != normalize_repo_url(other)
