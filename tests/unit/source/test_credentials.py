"""Repository credentials: Secrets to a store, URL matching (credentials reach only the
server they were written for), and secrets kept out of sight."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.source import RepoCredentials, credentials_from_secrets
from gitopsd.source.auth import (
    base_environment,
    credential_environment,
    git_prompt_origin,
    install_askpass,
)

GOLDEN = Path(__file__).parent / "testdata" / "credential-matching.yaml"


def _golden() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(GOLDEN.read_text())
    return loaded


def _summary(creds: RepoCredentials | None) -> dict[str, Any] | None:
    if creds is None:
        return None
    if creds.ssh_private_key:
        return {"ssh_private_key": True, "insecure": creds.insecure}
    return {"username": creds.username, "password": creds.password}


@pytest.mark.parametrize("url", list(_golden()["lookups"]))
def test_lookup_matches_exact_url_then_longest_prefix(url: str) -> None:
    golden = _golden()
    store = credentials_from_secrets(golden["secrets"])
    assert _summary(store.lookup(url)) == golden["lookups"][url]


def test_unusable_secrets_are_reported_by_name_only() -> None:
    golden = _golden()
    store = credentials_from_secrets(golden["secrets"])
    assert list(store.problems) == golden["problems"]
    assert "orphan-token" not in " ".join(store.problems)


def test_repr_never_shows_secret_values() -> None:
    creds = RepoCredentials(username="ci", password="tok-123456", ssh_private_key="KEY-DATA")
    text = repr(creds) + str(creds)
    assert "tok-123456" not in text
    assert "KEY-DATA" not in text
    assert "ci" in text


def test_later_secret_for_the_same_url_does_not_override_the_first() -> None:
    def secret(name: str, password: str) -> dict[str, Any]:
        return {
            "metadata": {"name": name, "labels": {"gitopsd.io/secret-type": "repository"}},
            "stringData": {"url": "https://git.example.com/a.git", "password": password},
        }

    store = credentials_from_secrets([secret("b", "second"), secret("a", "first")])
    found = store.lookup("https://git.example.com/a")
    assert found is not None and found.password == "first"
    assert store.problems == ("Secret/b: https://git.example.com/a.git is already configured",)


def test_https_credentials_reach_git_through_askpass_not_the_url(tmp_path: Path) -> None:
    base = base_environment(tmp_path / "askpass.sh")
    creds = RepoCredentials(password="tok-abc")
    with credential_environment(base, creds, tmp_path, "https://h.example/r.git") as env:
        assert env["GIT_ASKPASS"] == str(tmp_path / "askpass.sh")
        assert env["GITOPSD_GIT_USERNAME"] == "git"
        assert env["GITOPSD_GIT_PASSWORD"] == "tok-abc"
        assert env["GIT_TERMINAL_PROMPT"] == "0"


def test_ssh_key_lives_in_a_private_file_only_while_git_runs(tmp_path: Path) -> None:
    base = base_environment(tmp_path / "askpass.sh")
    creds = RepoCredentials(ssh_private_key="PRIVATE", known_hosts="host ssh-ed25519 AAAA")
    with credential_environment(base, creds, tmp_path / "scratch", "git@h:r.git") as env:
        command = env["GIT_SSH_COMMAND"]
        key_file = Path(command.split(" -i ")[1].split()[0])
        assert key_file.read_text() == "PRIVATE\n"
        assert key_file.stat().st_mode & 0o077 == 0
        assert "StrictHostKeyChecking=yes" in command
        assert "UserKnownHostsFile=" in command
        assert "PRIVATE" not in command
    assert not key_file.exists()


def test_insecure_ssh_skips_host_key_checking(tmp_path: Path) -> None:
    base = base_environment(tmp_path / "askpass.sh")
    creds = RepoCredentials(ssh_private_key="PRIVATE", insecure=True)
    with credential_environment(base, creds, tmp_path, "git@h:r.git") as env:
        assert "StrictHostKeyChecking=no" in env["GIT_SSH_COMMAND"]


# --- where credentials may go ---------------------------------------------------------


def _one_secret(kind: str, url: str) -> list[dict[str, Any]]:
    return [
        {
            "metadata": {"name": "creds", "labels": {"gitopsd.io/secret-type": kind}},
            "stringData": {"url": url, "username": "alice", "password": "pw-for-a"},
        }
    ]


@pytest.mark.parametrize(
    ("secret_url", "repo_url", "sent"),
    [
        # A port that shares the digits of the credentialed one is another server.
        ("http://127.0.0.1:3870", "http://127.0.0.1:38701/org/repo.git", False),
        ("http://127.0.0.1:3870", "http://127.0.0.1:3870/org/repo.git", True),
        # A host that starts with the credentialed one is another server.
        ("https://git.example.com", "https://git.example.com.attacker.net/org/r", False),
        ("https://git.example.com", "https://git.example.comx/org/r", False),
        ("https://git.example.com", "https://git.example.com@attacker.net/org/r", False),
        ("https://git.example.com", "https://git.example.com:443@attacker.net/r", False),
        ("https://git.example.com", "https://attacker.net/git.example.com/r", False),
        # Paths match on whole segments; a trailing slash changes nothing.
        ("https://git.example.com/org", "https://git.example.com/org/repo.git", True),
        ("https://git.example.com/org", "https://git.example.com/org", True),
        ("https://git.example.com/org", "https://git.example.com/org/", True),
        ("https://git.example.com/org", "https://git.example.com/organisation/r", False),
        ("https://git.example.com/org/", "https://git.example.com/organisation", False),
        ("https://git.example.com/org/team", "https://git.example.com/org/r", False),
        ("https://git.example.com/org", "https://git.example.com/org/../other/r", False),
        ("https://git.example.com/org", "https://git.example.com/org/%2e%2e/other", False),
        # The scheme must be the same: no https credentials over http or ssh.
        ("https://git.example.com/org", "http://git.example.com/org/r", False),
        ("https://git.example.com/org", "ssh://git@git.example.com/org/r", False),
        ("http://git.example.com", "https://git.example.com/org/r", False),
        # Default ports are the same server as no port.
        ("https://git.example.com/org", "https://git.example.com:443/org/r", True),
        ("https://git.example.com:443/org", "https://git.example.com/org/r", True),
        ("http://git.example.com:80", "http://git.example.com/org/r", True),
        ("https://git.example.com/org", "https://git.example.com:8443/org/r", False),
        ("https://git.example.com:80/org", "https://git.example.com/org/r", False),
        # scp-like is ssh to port 22; the account must match when the Secret names one.
        ("git@github.com:org", "git@github.com:org/repo.git", True),
        ("git@github.com:org", "ssh://git@github.com/org/repo.git", True),
        ("ssh://git@github.com:22/org", "git@github.com:org/repo.git", True),
        ("ssh://git@github.com:2222/org", "git@github.com:org/repo.git", False),
        ("git@github.com:org", "git@github.com:organisation/repo.git", False),
        ("git@github.com:org", "git@github.com.attacker.net:org/repo.git", False),
        ("git@github.com:org", "deploy@github.com:org/repo.git", False),
        ("github.com:org", "deploy@github.com:org/repo.git", True),
        ("git@github.com:org", "https://github.com/org/repo.git", False),
        # Host case does not matter; path case does (servers may tell them apart).
        ("https://Git.Example.COM/org", "https://git.example.com/org/r", True),
        ("https://git.example.com/Org", "https://git.example.com/org/r", False),
        # URLs that cannot be read without doubt get nothing.
        ("https://git.example.com", "https://git.example.com/r#frag", False),
        ("https://git.example.com", "https://git.example.com /r", False),
        ("https://git.example.com", "https://git.example.com\\@attacker.net/r", False),
        ("https://git.example.com", "https://git.example.com:99999/r", False),
        ("https://git.example.com", "/srv/git/r.git", False),
    ],
)
def test_repo_creds_reach_only_their_server_and_path(
    secret_url: str, repo_url: str, sent: bool
) -> None:
    store = credentials_from_secrets(_one_secret("repo-creds", secret_url))
    assert store.problems == ()
    assert (store.lookup(repo_url) is not None) is sent


@pytest.mark.parametrize(
    ("secret_url", "repo_url", "sent"),
    [
        ("https://git.example.com/org/repo.git", "https://git.example.com/org/repo", True),
        ("https://git.example.com/org/repo", "https://GIT.example.com/org/repo.git/", True),
        ("https://git.example.com/org/repo", "https://git.example.com:443/org/repo", True),
        ("https://git.example.com/org/repo", "https://u:p@git.example.com/org/repo", True),
        ("git@git.example.com:org/repo", "ssh://git@git.example.com/org/repo.git", True),
        ("https://git.example.com/org/repo", "https://git.example.com/org/repo/sub", False),
        ("https://git.example.com/org/repo", "https://git.example.com/org/repo2", False),
        ("https://git.example.com/org/repo", "https://git.example.com/org", False),
        ("https://git.example.com/org/repo", "https://git.example.com:8443/org/repo", False),
        ("https://git.example.com/org/repo", "http://git.example.com/org/repo", False),
    ],
)
def test_repository_secret_names_only_its_own_repository(
    secret_url: str, repo_url: str, sent: bool
) -> None:
    store = credentials_from_secrets(_one_secret("repository", secret_url))
    assert (store.lookup(repo_url) is not None) is sent


def test_longest_repo_creds_path_wins_whatever_the_secret_order() -> None:
    def creds(name: str, url: str) -> dict[str, Any]:
        return {
            "metadata": {"name": name, "labels": {"gitopsd.io/secret-type": "repo-creds"}},
            "stringData": {"url": url, "password": f"pw-{name}"},
        }

    store = credentials_from_secrets(
        [
            creds("a-team", "https://git.example.com/org/team/"),
            creds("b-host", "https://git.example.com"),
            creds("c-org", "https://git.example.com/org"),
            creds("d-other-port", "https://git.example.com:8443/org/team/app"),
        ]
    )

    def password(url: str) -> str | None:
        found = store.lookup(url)
        return found.password if found else None

    assert password("https://git.example.com/org/team/app.git") == "pw-a-team"
    assert password("https://git.example.com/org/teams/app.git") == "pw-c-org"
    assert password("https://git.example.com/elsewhere/app.git") == "pw-b-host"
    assert password("https://git.example.com:8443/org/team/app") == "pw-d-other-port"
    assert password("https://git.example.com:8443/org/team/other") is None


def test_secret_with_an_unreadable_url_is_reported_and_never_used() -> None:
    secrets = _one_secret("repo-creds", "https://user:pw-in-url@git.example.com/org/../x")
    store = credentials_from_secrets(secrets)
    assert store.lookup("https://git.example.com/x") is None
    assert store.problems == ("Secret/creds: url 'https://git.example.com/org/../x' is not usable",)


# --- what git is told -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://127.0.0.1:3870/org/repo.git", ("http", "127.0.0.1:3870")),
        ("https://alice@Git.Example.com/r", ("https", "Git.Example.com")),
        ("https://git.example.com?x=@y/r", ("https", "git.example.com")),
        ("git@github.com:org/repo.git", ("", "")),
    ],
)
def test_prompt_origin_is_what_git_names_in_its_prompts(url: str, origin: tuple[str, str]) -> None:
    assert git_prompt_origin(url) == origin


def _ask(askpass: Path, env: dict[str, str], prompt: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(askpass), prompt], env=env, capture_output=True, text=True, check=False
    )


def test_askpass_answers_only_the_server_the_credentials_were_matched_to(
    tmp_path: Path,
) -> None:
    askpass = install_askpass(tmp_path / "bin")
    base = base_environment(askpass)
    creds = RepoCredentials(username="alice", password="pw-for-a")
    with credential_environment(base, creds, tmp_path, "http://127.0.0.1:3870/r.git") as env:
        assert _ask(askpass, env, "Username for 'http://127.0.0.1:3870': ").stdout == "alice\n"
        password = _ask(askpass, env, "Password for 'http://alice@127.0.0.1:3870': ")
        assert password.stdout == "pw-for-a\n"
        for prompt in (
            "Username for 'http://127.0.0.1:38701': ",
            "Password for 'http://alice@127.0.0.1:38701': ",
            "Password for 'http://alice@localhost:3870': ",
            "Password for 'https://alice@127.0.0.1:3870': ",
            "Password for 'http://proxy.example:3128': ",
            "Enter passphrase for key '/tmp/key': ",
        ):
            refused = _ask(askpass, env, prompt)
            assert (refused.returncode, refused.stdout) == (1, ""), prompt
    # Without credentials nothing is answered at all.
    anonymous = _ask(askpass, base, "Username for 'http://127.0.0.1:3870': ")
    assert (anonymous.returncode, anonymous.stdout) == (1, "")


def test_git_follows_no_redirect_while_credentials_are_attached(tmp_path: Path) -> None:
    base = base_environment(tmp_path / "askpass.sh")
    creds = RepoCredentials(password="pw")
    with credential_environment(base, creds, tmp_path, "https://h.example/r") as env:
        pairs = {
            env[f"GIT_CONFIG_KEY_{i}"]: env[f"GIT_CONFIG_VALUE_{i}"]
            for i in range(int(env["GIT_CONFIG_COUNT"]))
        }
        assert pairs["http.followRedirects"] == "false"
    with credential_environment(base, None, tmp_path, "https://h.example/r") as env:
        assert "GIT_CONFIG_COUNT" not in env or "http.followRedirects" not in env.values()
