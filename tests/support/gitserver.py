"""Real Git remotes for tests: bare repositories, ``git daemon`` and smart HTTP with auth.

``bare_repo(tmp_path)`` builds a bare repository with a scratch work tree and commits files
into it; ``git_daemon(root)`` serves a directory of bare repositories over ``git://``;
``git_http(root, username, token)`` serves them over HTTP through ``git http-backend``,
behind Basic authentication, on 127.0.0.1 and a free port. All are context managers and
clean up after themselves; every wait has a timeout.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Lovelace",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Lovelace",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "LC_ALL": "C",
}


def git(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run git for a test fixture; raise with stderr on failure."""
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **_GIT_ENV, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


@dataclass
class BareRepo:
    """A bare repository at ``path`` plus a work tree to build commits in."""

    path: Path
    work: Path
    _clock: int = field(default=1_700_000_000)

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def commit(
        self,
        files: dict[str, str | None],
        message: str = "update",
        *,
        symlinks: dict[str, str] | None = None,
        branch: str = "main",
    ) -> str:
        """Write (or, with None, delete) files on ``branch``, commit, push; return the SHA."""
        self._switch(branch)
        for name, content in files.items():
            target = self.work / name
            if content is None:
                git("rm", "-q", "-r", "--", name, cwd=self.work)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        for name, pointee in (symlinks or {}).items():
            link = self.work / name
            link.parent.mkdir(parents=True, exist_ok=True)
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(pointee)
        git("add", "-A", cwd=self.work)
        self._clock += 60
        stamp = f"@{self._clock} +0000"
        env = {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        git("commit", "-q", "--allow-empty", "-m", message, cwd=self.work, env=env)
        git("push", "-q", "origin", f"HEAD:refs/heads/{branch}", cwd=self.work)
        return self.head(branch)

    def head(self, branch: str = "main") -> str:
        return git("rev-parse", f"refs/heads/{branch}", cwd=self.path).strip()

    def tag(self, name: str, sha: str, *, annotated: bool = False) -> None:
        args = ["tag", "-a", "-m", f"release {name}"] if annotated else ["tag"]
        git(*args, name, sha, cwd=self.work)
        git("push", "-q", "origin", f"refs/tags/{name}", cwd=self.work)

    def ref(self, name: str, sha: str) -> None:
        """Point an arbitrary ref (``refs/pull/1/head``) at ``sha`` on the remote."""
        git("update-ref", name, sha, cwd=self.path)

    def _switch(self, branch: str) -> None:
        current = git("symbolic-ref", "--short", "HEAD", cwd=self.work).strip()
        if current == branch:
            return
        exists = git("branch", "--list", branch, cwd=self.work).strip()
        git("checkout", "-q", *(() if exists else ("-b",)), branch, cwd=self.work)


def bare_repo(tmp_path: Path, name: str = "repo") -> BareRepo:
    """A new empty bare repository ``<tmp_path>/remotes/<name>.git`` on branch ``main``."""
    path = tmp_path / "remotes" / f"{name}.git"
    work = tmp_path / "work" / name
    git("init", "-q", "--bare", "-b", "main", str(path))
    git("init", "-q", "-b", "main", str(work))
    git("remote", "add", "origin", str(path), cwd=work)
    return BareRepo(path=path, work=work)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise AssertionError(f"nothing listened on 127.0.0.1:{port} within {timeout}s")


@contextmanager
def git_daemon(root: Path) -> Iterator[str]:
    """Serve every repository under ``root`` read-only; yields ``git://127.0.0.1:<port>``."""
    port = free_port()
    process = subprocess.Popen(
        [
            "git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1",
            f"--port={port}", f"--base-path={root}", str(root),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **_GIT_ENV},
    )  # fmt: skip
    try:
        wait_for_port(port)
        yield f"git://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class HttpStats:
    """What the HTTP server saw: requests by path suffix, refused authentications."""

    requests: list[str] = field(default_factory=list)
    refused: int = 0


def _handler(root: Path, username: str, token: str, stats: HttpStats) -> type:
    expected = "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode()

    class GitHttpHandler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return  # keep test output quiet

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            stats.requests.append(self.path)
            if self.headers.get("Authorization") != expected:
                stats.refused += 1
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path, _, query = self.path.partition("?")
            done = subprocess.run(
                ["git", "http-backend"],
                input=self._body(),
                env=self._cgi_env(path, query),
                capture_output=True,
                check=False,
                timeout=60,
            )
            self._reply(done.stdout)

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while (size := int(self.rfile.readline().strip() or b"0", 16)) > 0:
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _cgi_env(self, path: str, query: str) -> dict[str, str]:
            return {
                **os.environ,
                "GIT_PROJECT_ROOT": str(root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "REQUEST_METHOD": self.command,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                "REMOTE_USER": username,
                "REMOTE_ADDR": "127.0.0.1",
            }

        def _reply(self, output: bytes) -> None:
            head, _, body = output.partition(b"\r\n\r\n")
            status, headers = 200, []
            for line in head.decode("latin-1").split("\r\n"):
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.strip().split()[0])
                elif name:
                    headers.append((name, value.strip()))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return GitHttpHandler


@dataclass
class HttpServer:
    base_url: str
    stats: HttpStats


@contextmanager
def git_http(root: Path, username: str, token: str, port: int = 0) -> Iterator[HttpServer]:
    """Smart HTTP for every repository under ``root``, Basic auth ``username``/``token``,
    on ``port`` (0: a free one)."""
    stats = HttpStats()
    with _serving(_handler(root, username, token, stats), port) as bound:
        yield HttpServer(f"http://127.0.0.1:{bound}", stats)


@contextmanager
def _serving(handler: type, port: int = 0) -> Iterator[int]:
    """Serve ``handler`` on 127.0.0.1:``port`` in a thread; yields the bound port."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class Seen:
    """One request a :func:`recording_http` or :func:`redirecting_http` server received."""

    path: str
    authorization: str | None


@dataclass
class RecordingServer:
    """A server that only records; ``base_url`` names it, ``seen`` lists its requests."""

    base_url: str
    port: int
    seen: list[Seen]

    def credentials_received(self) -> list[str]:
        """Every Authorization header value it was sent (Basic decoded to user:password)."""
        values = []
        for request in self.seen:
            if request.authorization is None:
                continue
            scheme, _, value = request.authorization.partition(" ")
            if scheme.lower() == "basic":
                value = base64.b64decode(value).decode(errors="replace")
            values.append(value)
        return values


def _recording_handler(seen: list[Seen], redirect_to: str | None) -> type:
    class RecordingHandler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            self._record()

        def do_POST(self) -> None:
            self._record()

        def _record(self) -> None:
            seen.append(Seen(self.path, self.headers.get("Authorization")))
            if redirect_to is not None:
                self.send_response(302)
                self.send_header("Location", redirect_to + self.path)
            else:  # ask for credentials, as a Git host does for a private repository
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()

    return RecordingHandler


@contextmanager
def recording_http(port: int = 0, host: str = "127.0.0.1") -> Iterator[RecordingServer]:
    """A server that asks every request for Basic credentials (401) and records what it
    was sent. ``host`` is only the name in ``base_url`` (it listens on 127.0.0.1)."""
    seen: list[Seen] = []
    with _serving(_recording_handler(seen, None), port) as bound:
        yield RecordingServer(f"http://{host}:{bound}", bound, seen)


@contextmanager
def redirecting_http(target: str) -> Iterator[RecordingServer]:
    """A server that answers every request with a redirect to ``target`` + the same path."""
    seen: list[Seen] = []
    with _serving(_recording_handler(seen, target)) as bound:
        yield RecordingServer(f"http://127.0.0.1:{bound}", bound, seen)


def prefix_ports() -> tuple[int, int]:
    """Two free ports where the second's digits start with the first's (3870, 38701)."""
    for first in range(3870, 6500):
        second = first * 10 + 1
        with socket.socket() as a, socket.socket() as b:
            try:
                a.bind(("127.0.0.1", first))
                b.bind(("127.0.0.1", second))
            except OSError:
                continue
        return first, second
    raise AssertionError("no free pair of ports sharing a prefix")
