"""Real Helm chart sources for tests: charts packaged with the pinned ``helm``, chart
repositories served over HTTP or HTTPS (Basic auth optional) on 127.0.0.1, and the CNCF
distribution registry with htpasswd auth and TLS.

- ``make_chart(dir, name, version, ...)`` writes a chart; ``package(chart, out)`` runs
  ``helm package``; ``index(dir, url)`` runs ``helm repo index``.
- ``ChartServer`` serves a directory (``ETag`` / ``If-None-Match`` answered with 304),
  records every request (path, status, whether an Authorization header came), and can be
  stopped and started again on the same port (a repository going down).
- ``tls_files(dir)`` makes a self-signed certificate for 127.0.0.1 with ``openssl``.
- ``Registry`` starts ``registry serve`` (built by ``hack/build-testbed.sh``) on a free
  port with TLS and htpasswd; ``push(archive)`` pushes with ``helm push``.

Every wait has a timeout; everything stops when its context ends.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import bcrypt
import yaml

REPO = Path(__file__).resolve().parents[2]


def run(argv: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return done.stdout


def make_chart(
    parent: Path,
    name: str,
    version: str,
    *,
    configmap_data: dict[str, str] | None = None,
    dependencies: list[dict[str, Any]] | None = None,
    values: dict[str, Any] | None = None,
    extra_templates: dict[str, str] | None = None,
) -> Path:
    """A chart whose template is one ConfigMap ``<release>-<name>`` with ``data``."""
    chart = parent / f"{name}-{version}-src" / name
    (chart / "templates").mkdir(parents=True)
    meta: dict[str, Any] = {"apiVersion": "v2", "name": name, "version": version}
    if dependencies:
        meta["dependencies"] = dependencies
    (chart / "Chart.yaml").write_text(yaml.safe_dump(meta))
    (chart / "values.yaml").write_text(yaml.safe_dump(values or {"greeting": "hello"}))
    data = {"chartVersion": version, **(configmap_data or {})}
    lines = "\n".join(f"  {k}: {v!r}" for k, v in data.items())
    (chart / "templates" / "configmap.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
        f"  name: {{{{ .Release.Name }}}}-{name}\n"
        f"data:\n{lines}\n  greeting: {{{{ .Values.greeting | quote }}}}\n"
    )
    for file, text in (extra_templates or {}).items():
        (chart / "templates" / file).write_text(text)
    return chart


def package(chart: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    run(["helm", "package", str(chart), "--destination", str(out)], env=_helm_env(out.parent))
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    return out / f"{meta['name']}-{meta['version']}.tgz"


def index(directory: Path, url: str) -> None:
    run(["helm", "repo", "index", str(directory), "--url", url], env=_helm_env(directory.parent))


def sha256_of(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def _helm_env(scratch: Path) -> dict[str, str]:
    home = scratch / ".helm-home"
    home.mkdir(parents=True, exist_ok=True)
    return {
        "HOME": str(home),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }


def tls_files(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files of a self-signed certificate for 127.0.0.1."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "tls.crt", directory / "tls.key"
    run([
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", str(key), "-out", str(cert),
    ])  # fmt: skip
    return cert, key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Request:
    path: str
    status: int
    authorized: bool  # an Authorization header was sent


@dataclass
class ChartServer:
    """A static chart repository (see the module docstring)."""

    root: Path
    username: str = ""
    password: str = ""
    tls: tuple[Path, Path] | None = None
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location
    client_ca: Path | None = None  # require a client certificate signed by this CA
    port: int = field(default_factory=free_port)
    requests: list[Request] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def count(self, suffix: str, status: int | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if r.path.endswith(suffix) and (status is None or r.status == status)
        )

    def start(self) -> None:
        handler = _handler(self)
        deadline = time.monotonic() + 10
        while True:
            try:
                self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(self.tls[0]), str(self.tls[1]))
            if self.client_ca is not None:
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(cafile=str(self.client_ca))
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _handler(server: ChartServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            return

        def do_GET(self) -> None:
            self._answer()

        def send_response(self, code: int, message: str | None = None) -> None:
            # Recorded before the client can see the answer, so tests never race it.
            authorized = "Authorization" in self.headers
            server.requests.append(Request(self.path, code, authorized))
            super().send_response(code, message)

        def _answer(self) -> int:
            if server.username and not self._authenticated():
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="charts"')
                self.end_headers()
                return 401
            if self.path in server.redirects:
                self.send_response(302)
                self.send_header("Location", server.redirects[self.path])
                self.end_headers()
                return 302
            file = (server.root / self.path.lstrip("/").split("?")[0]).resolve()
            if not file.is_file() or not file.is_relative_to(server.root.resolve()):
                self.send_response(404)
                self.end_headers()
                return 404
            body = file.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return 304
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return 200

        def _authenticated(self) -> bool:
            pair = f"{server.username}:{server.password}".encode()
            return self.headers.get("Authorization") == "Basic " + base64.b64encode(pair).decode()

    return Handler


@contextmanager
def chart_server(root: Path, **options: Any) -> Iterator[ChartServer]:
    server = ChartServer(root, **options)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def registry_binary() -> Path:
    out = run([str(REPO / "hack" / "build-testbed.sh"), "--print-registry-bin"]).strip()
    return Path(out)


@dataclass
class Registry:
    """The distribution registry with TLS and htpasswd on 127.0.0.1 (see the module)."""

    workdir: Path
    username: str = "chart-bot"
    password: str = "s3cret-registry-pass"
    port: int = field(default_factory=free_port)
    cert: Path = Path()
    process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.cert, key = tls_files(self.workdir / "tls")
        hashed = bcrypt.hashpw(self.password.encode(), bcrypt.gensalt(rounds=5)).decode()
        (self.workdir / "htpasswd").write_text(f"{self.username}:{hashed}\n")
        config = {
            "version": 0.1,
            "log": {"level": "error"},
            "storage": {"filesystem": {"rootdirectory": str(self.workdir / "data")}},
            "http": {
                "addr": self.host,
                "tls": {"certificate": str(self.cert), "key": str(key)},
                "debug": {"addr": ""},
            },
            "auth": {"htpasswd": {"realm": "gitopsd-test", "path": str(self.workdir / "htpasswd")}},
        }
        (self.workdir / "config.yml").write_text(yaml.safe_dump(config))
        with (self.workdir / "registry.log").open("wb") as log:
            self.process = subprocess.Popen(
                [str(registry_binary()), "serve", str(self.workdir / "config.yml")],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={"PATH": os.environ["PATH"], "OTEL_TRACES_EXPORTER": "none"},
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError((self.workdir / "registry.log").read_text())
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise AssertionError("the registry did not start listening within 30 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def push(self, archive: Path, path: str = "charts") -> None:
        env = _helm_env(self.workdir)
        run(["helm", "registry", "login", self.host, "--username", self.username,
             "--password", self.password, "--ca-file", str(self.cert)], env=env)  # fmt: skip
        run(["helm", "push", str(archive), f"oci://{self.host}/{path}", "--ca-file",
             str(self.cert)], env=env)  # fmt: skip


@contextmanager
def registry(workdir: Path) -> Iterator[Registry]:
    workdir.mkdir(parents=True, exist_ok=True)
    started = Registry(workdir)
    started.start()
    try:
        yield started
    finally:
        started.stop()
