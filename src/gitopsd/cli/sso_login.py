"""``gitopsd login --sso``: sign in at the identity provider from the terminal, as Argo
CD's CLI does.

The server's public ``/api/v1/settings`` names the provider (issuer, the CLI's client id:
``cliClientID``, else ``clientID``; scopes). The CLI listens on
``http://localhost:<port>/auth/callback`` (8085 by default, ``--sso-port``), prints the
provider's sign-in URL (and opens a browser when run in a terminal), and waits for the
redirect. It accepts only the ``state`` it sent, trades the code with its PKCE verifier
(a public client: no secret), checks the ID token's ``nonce``, and returns the ID token,
which the server verifies on every request (signature, issuer, audience, expiry).
"""

from __future__ import annotations

import html
import http.server
import json
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import webbrowser
from dataclasses import dataclass, field
from typing import Any

import jwt

from gitopsd.cli.server_client import ServerClient
from gitopsd.errors import AuthError
from gitopsd.server.oidc.flow import PendingLogin, authorization_url, new_login

CALLBACK_PATH = "/auth/callback"
DEFAULT_PORT = 8085
HTTP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SsoTokens:
    id_token: str = field(repr=False)
    refresh_token: str = field(default="", repr=False)


@dataclass
class _Callback:
    """What the browser brought back to the listener."""

    query: dict[str, str] = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)
    server: http.server.ThreadingHTTPServer | None = None

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def sso_login(client: ServerClient, *, port: int, timeout: float, now: float) -> SsoTokens:
    settings = client.request("GET", "/api/v1/settings", authenticated=False)
    oidc = settings.get("oidcConfig") if isinstance(settings, dict) else None
    if not isinstance(oidc, dict) or not oidc.get("issuer"):
        raise AuthError(f"{client.context.server} has no SSO configured")
    client_id = str(oidc.get("cliClientID") or oidc.get("clientID") or "")
    discovery = _get_json(str(oidc["issuer"]).rstrip("/") + "/.well-known/openid-configuration")
    redirect_uri = f"http://localhost:{port}{CALLBACK_PATH}"
    pending = new_login("/", now=now)
    url = authorization_url(
        str(discovery["authorization_endpoint"]),
        client_id=client_id,
        redirect_uri=redirect_uri,
        scopes=tuple(oidc.get("scopes") or ("openid", "profile", "email", "groups")),
        login=pending,
        pkce=True,
    )
    callback = _listen(port)
    try:
        print(f"Opening the identity provider's sign-in page: {url}", flush=True)
        if sys.stdout.isatty():
            webbrowser.open(url)
        if not callback.done.wait(timeout):
            raise AuthError(f"no sign-in came back within {timeout:g}s")
    finally:
        callback.close()
    return _finish(callback.query, pending, discovery, client_id, redirect_uri)


def _finish(
    query: dict[str, str],
    pending: PendingLogin,
    discovery: dict[str, Any],
    client_id: str,
    redirect_uri: str,
) -> SsoTokens:
    if query.get("error"):
        raise AuthError(f"the identity provider refused: {query['error'][:100]}")
    if query.get("state") != pending.state:
        raise AuthError("the sign-in came back with another state; try again")
    form = {
        "grant_type": "authorization_code",
        "code": query.get("code", ""),
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "code_verifier": pending.verifier,
    }
    answer = _post_form(str(discovery["token_endpoint"]), form)
    id_token = str(answer.get("id_token") or "")
    if not id_token:
        raise AuthError("the identity provider returned no ID token")
    # The server verifies the signature on every request; the nonce only we can check.
    claims = jwt.decode(id_token, options={"verify_signature": False})
    if claims.get("nonce") != pending.nonce:
        raise AuthError("the ID token's nonce is not this sign-in's")
    return SsoTokens(id_token, str(answer.get("refresh_token") or ""))


def _listen(port: int) -> _Callback:
    callback = _Callback()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            if url.path != CALLBACK_PATH or callback.done.is_set():
                self.send_error(404)
                return
            callback.query = dict(urllib.parse.parse_qsl(url.query))
            ok = "code" in callback.query
            message = "Signed in. You may close this window." if ok else "Sign-in failed."
            body = f"<!doctype html><title>gitopsd</title><p>{html.escape(message)}</p>"
            self.send_response(200 if ok else 400)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())
            callback.done.set()

        def log_message(self, format: str, *args: Any) -> None:
            return  # the query holds the authorization code: never logged

    try:
        callback.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except OSError as error:
        raise AuthError(f"cannot listen on localhost:{port}: {error.strerror}") from error
    threading.Thread(target=callback.server.serve_forever, daemon=True).start()
    return callback


def _get_json(url: str) -> dict[str, Any]:
    return _open(urllib.request.Request(url, headers={"Accept": "application/json"}))


def _post_form(url: str, form: dict[str, str]) -> dict[str, Any]:
    data = urllib.parse.urlencode(form).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    return _open(urllib.request.Request(url, data=data, headers=headers, method="POST"))


def _open(request: urllib.request.Request) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            value = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise AuthError(f"the identity provider answered {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise AuthError(f"the identity provider is unreachable: {error}") from error
    if not isinstance(value, dict):
        raise AuthError("the identity provider's answer is not a JSON object")
    return value
