"""Network transports (git daemon, smart HTTP with token auth): typed errors, time limits,
and credentials that never show up in messages or logs."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitopsd.errors import (
    AuthenticationFailed,
    RepositoryUnreachable,
    RevisionNotFound,
    SourceError,
)
from gitopsd.source import GitRepositories, credentials_from_secrets
from gitopsd.source.credentials import CredentialStore
from tests.support.gitserver import (
    HttpServer,
    git_daemon,
    git_http,
    prefix_ports,
    recording_http,
    redirecting_http,
)
from tests.unit.source.conftest import History

TOKEN = "ghp_PLANTED_t0ken_4242"


def _store(url: str, password: str, kind: str = "repository") -> CredentialStore:
    return credentials_from_secrets(
        [
            {
                "metadata": {"name": "creds", "labels": {"gitopsd.io/secret-type": kind}},
                "stringData": {"url": url, "username": "alice", "password": password},
            }
        ]
    )


@pytest.fixture
def http(history: History) -> Iterator[HttpServer]:
    with git_http(history.repo.path.parent, "alice", TOKEN) as server:
        yield server


def test_git_daemon_resolves_and_ls_remote_fetches_nothing(
    history: History, repos: GitRepositories
) -> None:
    with git_daemon(history.repo.path.parent) as base:
        url = f"{base}/repo.git"
        assert repos.ls_remote(url)["refs/heads/main"] == history.fourth
        assert not (repos.cache_dir / "repos").exists()  # no clone, no objects
        assert repos.resolve(url, "v2.0") == history.second
        assert repos.resolve(url, history.first) == history.first


def test_http_with_token_from_a_repo_creds_prefix(
    history: History, http: HttpServer, tmp_path: Path
) -> None:
    url = f"{http.base_url}/repo.git"
    repos = GitRepositories(
        tmp_path / "cache", credentials=_store(http.base_url, TOKEN, "repo-creds")
    )
    assert repos.resolve(url, "main") == history.fourth
    assert (repos.checkout(url, history.fourth) / "apps/db/db.yaml").exists()
    # The token went in an Authorization header, never into a stored URL or config.
    stored = "".join(
        p.read_text(errors="replace") for p in (tmp_path / "cache").rglob("*") if p.is_file()
    )
    assert TOKEN not in stored


def test_missing_credentials_fail_fast_as_authentication_failed(
    http: HttpServer, tmp_path: Path
) -> None:
    repos = GitRepositories(tmp_path / "cache", timeout_seconds=20)
    started = time.monotonic()
    with pytest.raises(AuthenticationFailed):
        repos.resolve(f"{http.base_url}/repo.git", "main")
    assert time.monotonic() - started < 10  # no prompt waited on


def test_bad_token_never_appears_in_errors_or_logs(
    http: HttpServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "ghp_WRONG_t0ken_1717"
    url = f"{http.base_url}/repo.git"
    repos = GitRepositories(tmp_path / "cache", credentials=_store(url, wrong))
    userinfo_url = url.replace("http://", f"http://alice:{wrong}@")
    caplog.set_level(logging.DEBUG)
    messages = []
    for attempt in (url, userinfo_url):
        with pytest.raises(AuthenticationFailed) as raised:
            repos.resolve(attempt, "main")
        messages.append(str(raised.value))
    assert all(m.startswith(url) for m in messages), messages
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for text in [*messages, logged]:
        assert wrong not in text
        assert "alice:" not in text


def test_credentials_can_be_replaced(history: History, http: HttpServer, tmp_path: Path) -> None:
    url = f"{http.base_url}/repo.git"
    repos = GitRepositories(tmp_path / "cache", credentials=_store(url, "stale"))
    with pytest.raises(AuthenticationFailed):
        repos.ls_remote(url)
    repos.set_credentials(_store(url, TOKEN))
    assert repos.ls_remote(url)["HEAD"] == history.fourth


def test_unknown_revision_over_http(http: HttpServer, tmp_path: Path) -> None:
    url = f"{http.base_url}/repo.git"
    repos = GitRepositories(tmp_path / "cache", credentials=_store(url, TOKEN))
    with pytest.raises(RevisionNotFound, match=r"revision 'release-9' not found"):
        repos.resolve(url, "release-9")


def test_missing_repository_is_unreachable(http: HttpServer, tmp_path: Path) -> None:
    url = f"{http.base_url}/nothing-here.git"
    repos = GitRepositories(
        tmp_path / "cache", credentials=_store(http.base_url, TOKEN, "repo-creds")
    )
    with pytest.raises(RepositoryUnreachable, match=r"nothing-here\.git: repository unreachable"):
        repos.resolve(url, "main")


def test_closed_port_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    repos = GitRepositories(tmp_path / "cache", timeout_seconds=10)
    with pytest.raises(RepositoryUnreachable):
        repos.ls_remote(f"git://127.0.0.1:{port}/repo.git")


def test_silent_remote_times_out(tmp_path: Path) -> None:
    """A server that accepts connections and never answers is cut off at the deadline."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        repos = GitRepositories(tmp_path / "cache", timeout_seconds=1.0)
        started = time.monotonic()
        with pytest.raises(RepositoryUnreachable, match=r"timed out after 1s"):
            repos.ls_remote(f"git://127.0.0.1:{server.getsockname()[1]}/repo.git")
        assert time.monotonic() - started < 5
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        server.close()


def test_repo_creds_never_reach_a_port_that_shares_their_digits(
    history: History, tmp_path: Path
) -> None:
    port_a, port_b = prefix_ports()  # e.g. 3870 and 38701
    with (
        git_http(history.repo.path.parent, "alice", TOKEN, port=port_a) as server_a,
        recording_http(port=port_b) as server_b,
    ):
        assert server_b.base_url.startswith(server_a.base_url)
        repos = GitRepositories(
            tmp_path / "cache", credentials=_store(server_a.base_url, TOKEN, "repo-creds")
        )
        # The credentials work where they were written for...
        assert repos.ls_remote(f"{server_a.base_url}/repo.git")["HEAD"] == history.fourth
        # ...and the server on the longer port, which asks for them, gets nothing.
        with pytest.raises(AuthenticationFailed):
            repos.ls_remote(f"{server_b.base_url}/repo.git")
        assert server_b.seen, "the second server was never asked"
        assert server_b.credentials_received() == []


def test_credentials_are_not_sent_after_a_redirect_to_another_host(tmp_path: Path) -> None:
    with (
        recording_http(host="localhost") as elsewhere,
        redirecting_http(elsewhere.base_url) as credentialed,
    ):
        repos = GitRepositories(
            tmp_path / "cache", credentials=_store(credentialed.base_url, TOKEN, "repo-creds")
        )
        with pytest.raises(SourceError) as raised:
            repos.ls_remote(f"{credentialed.base_url}/repo.git")
        assert credentialed.seen  # git did ask the credentialed server
        assert elsewhere.credentials_received() == []
        assert elsewhere.seen == []  # the redirect was not followed at all
        assert TOKEN not in str(raised.value)
        assert "redirects are not followed while credentials are attached" in str(raised.value)
