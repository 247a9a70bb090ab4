"""The CLI through the server: its config file (0600, tokens never printed), which path a
verb takes, the terminal's SSO checks, and ``login`` / ``app`` / ``logout`` against the
in-process server."""

from __future__ import annotations

import argparse
import asyncio
import http.server
import json
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestClient

from gitopsd.cli.app_server import server_target
from gitopsd.cli.main import main
from gitopsd.cli.server_config import LocalConfig, ServerContext, server_url
from gitopsd.cli.sso_login import _finish
from gitopsd.errors import AuthError, ConfigError
from gitopsd.server.oidc.flow import new_login
from tests.unit.server.fakes import Harness, app


def test_config_round_trip_is_private(tmp_path: Path) -> None:
    path = tmp_path / "gitopsd" / "config"
    config = LocalConfig()
    config.upsert(ServerContext("cd", "cd.example.com:443", auth_token="secret-token"))
    config.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    loaded = LocalConfig.load(path)
    assert loaded.current == "cd"
    assert loaded.current_context() == config.contexts["cd"]
    assert "secret-token" not in repr(loaded.current_context())
    loaded.forget_token("cd")
    loaded.save(path)
    assert "secret-token" not in path.read_text()


def test_server_urls() -> None:
    assert server_url("cd.example.com", plain_text=False) == "https://cd.example.com"
    assert server_url("127.0.0.1:8080", plain_text=True) == "http://127.0.0.1:8080"
    assert server_url("http://x:1/", plain_text=False) == "http://x:1"


def _args(config: Path, **flags: Any) -> argparse.Namespace:
    defaults = {
        "server": None,
        "auth_token": None,
        "plaintext": False,
        "insecure": False,
        "core": False,
        "config": config,
    }
    return argparse.Namespace(**{**defaults, **flags})


def test_which_path_a_verb_takes(tmp_path: Path) -> None:
    path = tmp_path / "config"
    assert server_target(_args(path)) is None  # no context: the kubeconfig, as before
    with pytest.raises(ConfigError, match="--auth-token needs --server"):
        server_target(_args(path, auth_token="t"))
    flagged = server_target(_args(path, server="cd:8080", auth_token="t", plaintext=True))
    assert flagged is not None and flagged.base_url == "http://cd:8080"
    assert flagged.auth_token == "t"
    config = LocalConfig()
    config.upsert(ServerContext("cd:8080", "cd:8080", auth_token="saved", plain_text=True))
    config.save(path)
    current = server_target(_args(path))
    assert current is not None and current.auth_token == "saved"
    assert server_target(_args(path, core=True)) is None
    assert server_target(_args(path, auth_token="ci-token")).auth_token == "ci-token"  # type: ignore[union-attr]


@contextmanager
def token_endpoint(answer: dict[str, Any]) -> Iterator[str]:
    seen: list[dict[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            seen.append(dict(p.split("=", 1) for p in self.rfile.read(length).decode().split("&")))
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/token"
    finally:
        server.shutdown()
        server.server_close()


def test_terminal_sso_checks_state_and_nonce() -> None:
    pending = new_login("/", now=0)
    good = jwt.encode({"sub": "alice", "nonce": pending.nonce}, "k" * 32, algorithm="HS256")
    with token_endpoint({"id_token": good, "refresh_token": "r"}) as url:
        discovery = {"token_endpoint": url}
        query = {"code": "c", "state": pending.state}
        tokens = _finish(query, pending, discovery, "cli", "http://localhost:8085/auth/callback")
        assert tokens.id_token == good and good not in repr(tokens)
        with pytest.raises(AuthError, match="another state"):
            _finish({**query, "state": "x"}, pending, discovery, "cli", "r")
        with pytest.raises(AuthError, match="refused"):
            _finish({"error": "access_denied"}, pending, discovery, "cli", "r")
    replayed = jwt.encode({"sub": "alice", "nonce": "other"}, "k" * 32, algorithm="HS256")
    with token_endpoint({"id_token": replayed}) as url, pytest.raises(AuthError, match="nonce"):
        _finish({"code": "c", "state": pending.state}, pending, {"token_endpoint": url}, "c", "r")


POLICY = "p, dev, applications, *, backend/*, allow\n"


def test_login_app_verbs_and_logout_through_the_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h = Harness(
        [app("backend-api", "backend"), app("frontend-web", "frontend")],
        policy=POLICY,
        accounts={"dev": "dev-password"},
    )
    config = str(tmp_path / "config")

    def cli(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    async def scenario(client: TestClient[Any, Any]) -> list[tuple[int, str, str]]:
        server = f"127.0.0.1:{client.port}"
        steps = [
            (
                "login",
                server,
                "--plaintext",
                "--username",
                "dev",
                "--password",
                "dev-password",
                "--config",
                config,
            ),
            ("app", "list", "--config", config),
            ("app", "get", "frontend-web", "--config", config),
            ("app", "set", "backend-api", "--sync-policy", "none", "--config", config),
            ("logout", "--config", config),
            ("app", "list", "--config", config),
        ]
        results = []
        for step in steps:
            results.append(await asyncio.to_thread(cli, *step))
        return results

    login, listed, forbidden, changed, logout, after = h.run(scenario)
    assert login[0] == 0 and "'dev' logged in successfully" in login[1]
    token = LocalConfig.load(Path(config)).contexts
    assert all(c.auth_token == "" for c in token.values())  # forgotten at logout
    assert listed[0] == 0 and "backend-api" in listed[1] and "frontend-web" not in listed[1]
    assert forbidden[0] == 1 and "permission denied" in forbidden[2]
    assert changed[0] == 0 and "syncPolicy.automated is none" in changed[1]
    assert logout[0] == 0
    assert after[0] == 1 and "gitopsd login" in after[2]
    revocations = [p for k, p in h.cluster.patches if k.kind == "Secret"]
    assert any(k.startswith("session.revoked.") for p in revocations for k in p["data"])
