"""Running ``gitopsd server`` as a real process against the test cluster, and a small
HTTP client for its API (bearer tokens, cookies, Server-Sent Events).

Each e2e story gets its own server for its own namespace, like its own controller.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.gitserver import free_port
from tests.support.kube import Kubectl


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


@dataclass
class Api:
    """One client: a bearer token or a cookie jar (``gitopsd.token``, ``gitopsd.csrf``)."""

    port: int
    token: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    address: str = "127.0.0.1"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
    ) -> Response:
        url = path + ("?" + urllib.parse.urlencode(query) if query else "")
        sent = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        payload = json.dumps(body).encode() if body is not None else None
        connection = http.client.HTTPConnection(self.address, self.port, timeout=timeout)
        try:
            connection.request(method, url, body=payload, headers=sent)
            raw = connection.getresponse()
            data = raw.read()
            cookies = {}
            for header, value in raw.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    cookies[name.strip()] = rest.split(";", 1)[0]
            return Response(raw.status, dict(raw.getheaders()), data, cookies)
        finally:
            connection.close()

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def sign_in(self, username: str, password: str) -> Response:
        return Api(self.port).request(
            "POST", "/api/v1/session", {"username": username, "password": password}
        )

    def as_user(self, username: str, password: str) -> Api:
        """A new client holding a bearer token for ``username``."""
        answer = self.sign_in(username, password)
        assert answer.status == 200, answer.text
        return Api(self.port, token=answer.json()["token"])

    def events(self, path: str, query: dict[str, str], timeout: float) -> Iterator[dict[str, Any]]:
        """Server-Sent Events from ``path``: each ``data:`` payload, parsed, until closed."""
        url = path + ("?" + urllib.parse.urlencode(query) if query else "")
        connection = http.client.HTTPConnection(self.address, self.port, timeout=timeout)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        connection.request("GET", url, headers=headers)
        raw = connection.getresponse()
        assert raw.status == 200, raw.read()
        try:
            while True:
                line = raw.readline()
                if not line:
                    return
                if line.startswith(b"data: "):
                    yield json.loads(line[len(b"data: ") :])
        finally:
            connection.close()


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    namespace: str
    port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def api(self) -> Api:
        return Api(self.port)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(
    namespace: str,
    workdir: Path,
    *,
    kubeconfig: str,
    extra_args: tuple[str, ...] = (),
) -> RunningServer:
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"server-{int(time.time() * 1000)}.log"
    command = [
        sys.executable, "-m", "gitopsd.cli.main", "server",
        "--kubeconfig", kubeconfig, "--namespace", namespace, "--port", str(port),
        "--address", "127.0.0.1", "--insecure-cookies", "--log-format", "json",
        "--cache-dir", str(workdir / "cache"), *extra_args,
    ]  # fmt: skip
    environment = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
    running = RunningServer(process, namespace, port, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{running.log()[-4000:]}")
        try:
            if Api(port).get("/healthz", timeout=2).status == 200:
                return running
        except OSError:
            pass
        time.sleep(0.2)
    running.stop()
    raise AssertionError(f"server did not become healthy:\n{running.log()[-4000:]}")


@contextmanager
def server(namespace: str, workdir: Path, **kwargs: Any) -> Iterator[RunningServer]:
    running = start_server(namespace, workdir, **kwargs)
    try:
        yield running
    finally:
        running.stop()


def admin_password(kubectl: Kubectl, namespace: str) -> str:
    secret = kubectl.get("-n", namespace, "secret", "gitopsd-initial-admin-secret")
    assert secret is not None, "the server did not create gitopsd-initial-admin-secret"
    return base64.b64decode(secret["data"]["password"]).decode()


def set_password(kubectl: Kubectl, namespace: str, account: str, password: str) -> None:
    """What an administrator does for a local account: its bcrypt hash in gitopsd-secret."""
    import bcrypt

    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
    patch = {"data": {f"accounts.{account}.password": base64.b64encode(hashed.encode()).decode()}}
    kubectl.run(
        "-n", namespace, "patch", "secret", "gitopsd-secret", "--type", "merge",
        "-p", json.dumps(patch),
    )  # fmt: skip
