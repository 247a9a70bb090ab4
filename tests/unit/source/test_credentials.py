"""Repository credentials: Secrets to a store, URL matching, and secrets kept out of sight."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.source import RepoCredentials, credentials_from_secrets
from gitopsd.source.auth import base_environment, credential_environment

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
    with credential_environment(base, creds, tmp_path) as env:
        assert env["GIT_ASKPASS"] == str(tmp_path / "askpass.sh")
        assert env["GITOPSD_GIT_USERNAME"] == "git"
        assert env["GITOPSD_GIT_PASSWORD"] == "tok-abc"
        assert env["GIT_TERMINAL_PROMPT"] == "0"


def test_ssh_key_lives_in_a_private_file_only_while_git_runs(tmp_path: Path) -> None:
    base = base_environment(tmp_path / "askpass.sh")
    creds = RepoCredentials(ssh_private_key="PRIVATE", known_hosts="host ssh-ed25519 AAAA")
    with credential_environment(base, creds, tmp_path / "scratch") as env:
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
    with credential_environment(base, creds, tmp_path) as env:
        assert "StrictHostKeyChecking=no" in env["GIT_SSH_COMMAND"]
