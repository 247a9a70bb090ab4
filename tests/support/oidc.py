"""A real OpenID Connect provider for the SSO tests: Ory Hydra (built by the test bed) in
memory on 127.0.0.1, and the small login/consent app Hydra sends browsers to.

Hydra does the protocol (authorization codes, PKCE, ID tokens signed with its own keys,
JWKS, discovery); it leaves "who is this person" to a login app and "what may the client
know" to a consent app. :class:`LoginApp` is both, in a few lines over Hydra's admin API:
it signs in whoever the test put in :attr:`LoginApp.next_user` and grants the requested
scopes, putting the user's e-mail, name and ``groups`` into the ID token through the
consent session, as a real directory (Azure AD, Okta) would. :class:`Browser` follows
redirects with a cookie jar, as a browser does, so tests need no browser.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.gitserver import free_port


@dataclass(frozen=True)
class User:
    subject: str
    email: str
    groups: tuple[str, ...] = ()

    @property
    def claims(self) -> dict[str, Any]:
        return {"email": self.email, "name": self.subject, "groups": list(self.groups)}


def _admin(port: int, method: str, path: str, body: Any = None) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload else {}
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise AssertionError(f"hydra admin {method} {path}: {response.status} {data[:500]!r}")
        return json.loads(data) if data else None
    finally:
        connection.close()


class LoginApp:
    """Hydra's login and consent endpoints; signs in :attr:`next_user` (None: refuses)."""

    def __init__(self, admin_port: int) -> None:
        self.admin_port = admin_port
        self.next_user: User | None = None
        self.port = free_port()
        app = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                try:
                    if url.path == "/login":
                        target = app.login(query["login_challenge"])
                    elif url.path == "/consent":
                        target = app.consent(query["consent_challenge"])
                    else:
                        self.send_error(404)
                        return
                except (KeyError, AssertionError) as error:
                    self.send_error(400, str(error)[:200])
                    return
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def login(self, challenge: str) -> str:
        query = urllib.parse.urlencode({"login_challenge": challenge})
        user = self.next_user
        if user is None:
            answer = _admin(
                self.admin_port, "PUT", f"/admin/oauth2/auth/requests/login/reject?{query}",
                {"error": "access_denied", "error_description": "no such user"},
            )  # fmt: skip
        else:
            answer = _admin(
                self.admin_port, "PUT", f"/admin/oauth2/auth/requests/login/accept?{query}",
                {"subject": user.subject, "remember": False},
            )  # fmt: skip
        return str(answer["redirect_to"])

    def consent(self, challenge: str) -> str:
        query = urllib.parse.urlencode({"consent_challenge": challenge})
        request = _admin(self.admin_port, "GET", f"/admin/oauth2/auth/requests/consent?{query}")
        user = self.next_user
        claims = user.claims if user is not None and user.subject == request["subject"] else {}
        answer = _admin(
            self.admin_port, "PUT", f"/admin/oauth2/auth/requests/consent/accept?{query}",
            {
                "grant_scope": request.get("requested_scope") or [],
                "grant_access_token_audience": request.get("requested_access_token_audience")
                or [],
                "remember": False,
                "session": {"id_token": claims},
            },
        )  # fmt: skip
        return str(answer["redirect_to"])


@dataclass
class Hydra:
    process: subprocess.Popen[bytes]
    public_port: int
    admin_port: int
    login_app: LoginApp
    log_path: Path
    clients: list[str] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def create_client(self, redirect_uris: list[str], *, secret: str = "") -> dict[str, Any]:
        """A registered OAuth2 client: confidential with ``secret``, else public (PKCE)."""
        body: dict[str, Any] = {
            "client_name": "gitopsd-test",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code", "id_token"],
            "scope": "openid profile email groups offline_access",
            "redirect_uris": redirect_uris,
            "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
        }
        if secret:
            body["client_secret"] = secret
        client: dict[str, Any] = _admin(self.admin_port, "POST", "/admin/clients", body)
        self.clients.append(str(client["client_id"]))
        return client

    def stop(self) -> None:
        self.login_app.stop()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_hydra(workdir: Path) -> Hydra:
    binary = shutil.which("hydra")
    if binary is None:
        raise AssertionError("hydra is not on PATH: the test bed builds it (component hydra)")
    public_port, admin_port = free_port(), free_port()
    login_app = LoginApp(admin_port)
    login_app.start()
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "hydra.log"
    environment = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "TMPDIR")},
        "DSN": "memory",
        "SECRETS_SYSTEM": "gitopsd-tests-hydra-system-secret-0123456789",
        "URLS_SELF_ISSUER": f"http://127.0.0.1:{public_port}",
        "URLS_LOGIN": f"{login_app.url}/login",
        "URLS_CONSENT": f"{login_app.url}/consent",
        "SERVE_PUBLIC_HOST": "127.0.0.1",
        "SERVE_PUBLIC_PORT": str(public_port),
        "SERVE_ADMIN_HOST": "127.0.0.1",
        "SERVE_ADMIN_PORT": str(admin_port),
        "LOG_LEVEL": "warn",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [binary, "serve", "all", "--dev"], stdout=log, stderr=subprocess.STDOUT, env=environment
        )
    hydra = Hydra(process, public_port, admin_port, login_app, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            login_app.stop()
            raise AssertionError(f"hydra exited early:\n{hydra.log()[-3000:]}")
        try:
            if _admin(admin_port, "GET", "/health/ready") is not None:
                # The first key request generates Hydra's signing keys (seconds of RSA
                # work): done here, so no test's first sign-in pays for it.
                _admin(public_port, "GET", "/.well-known/jwks.json")
                return hydra
        except (OSError, AssertionError):
            pass
        time.sleep(0.2)
    hydra.stop()
    raise AssertionError(f"hydra did not become ready:\n{hydra.log()[-3000:]}")


@contextmanager
def hydra(workdir: Path) -> Iterator[Hydra]:
    running = start_hydra(workdir)
    try:
        yield running
    finally:
        running.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Hop:
    url: str
    status: int
    location: str


class Browser:
    """Follows redirects one hop at a time with a cookie jar, as a browser would, and
    remembers every hop so a test can look at the chain."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.hops: list[Hop] = []

    def cookie(self, name: str) -> str:
        return next((c.value or "" for c in self.jar if c.name == name), "")

    def get(self, url: str) -> tuple[int, str, bytes]:
        """One request: (status, Location, body)."""
        try:
            with self._opener.open(url, timeout=30) as response:
                status, location, body = response.status, "", response.read()
        except urllib.error.HTTPError as error:
            status, location, body = error.code, error.headers.get("Location", ""), error.read()
        self.hops.append(Hop(url, status, location))
        return status, location, body

    def follow(self, url: str, *, stop_at: str = "", max_hops: int = 20) -> tuple[int, str, bytes]:
        """Follow redirects from ``url``; stops before a URL starting with ``stop_at``
        (returning it as the Location) or at the first answer that is not a redirect."""
        for _ in range(max_hops):
            status, location, body = self.get(url)
            if status not in (301, 302, 303, 307, 308) or not location:
                return status, location, body
            url = urllib.parse.urljoin(url, location)
            if stop_at and url.startswith(stop_at):
                return status, url, body
        raise AssertionError(f"more than {max_hops} redirects from {url}")
