"""HTTP(S) GETs for chart repositories and OCI registries, with gitopsd's rules built in.

The one place gitopsd itself talks HTTP to a source (Git has its own transport). Rules:

- **Credentials go only to the server they were matched for.** Basic auth, a bearer
  token and the TLS client certificate are sent on the first request and on redirects
  that stay on the same scheme, host and port (:class:`~gitopsd.source.endpoints.Endpoint`
  rules). A redirect to another server is followed without any of them (registries send
  blob downloads to storage hosts with signed URLs); a redirect from ``https`` to
  ``http`` is refused.
- **Limits.** A time limit for the whole request, redirects included; a size limit on the
  body (the read stops one byte past it); at most five redirects.
- **TLS.** System trust plus the Secret's CA (``tlsCACertData``); ``insecure`` skips
  verification only when the Secret says so. Client certificate files exist only while
  the TLS context loads them, in a private temporary directory.

Errors are gitopsd's: RepositoryUnreachable (network, TLS, timeouts, too large),
AuthenticationFailed is left to callers (they know what a 401 means for them). Messages
carry no credentials. Called by :mod:`gitopsd.source.charts` and :mod:`gitopsd.source.oci`.
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import ssl
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from gitopsd.errors import RepositoryUnreachable
from gitopsd.source.credentials import RepoCredentials
from gitopsd.source.endpoints import parse_endpoint
from gitopsd.source.urls import redact_url

_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 256 * 1024
USER_AGENT = "gitopsd"


@dataclass(frozen=True)
class HttpLimits:
    """``timeout_seconds`` for one request with its redirects; ``max_bytes`` of body."""

    timeout_seconds: float = 60.0
    max_bytes: int = 64 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str] = field(hash=False)  # lower-case names
    body: bytes = field(repr=False, hash=False)
    url: str = ""  # after redirects

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def basic_authorization(credentials: RepoCredentials | None) -> str:
    """``Basic …`` for the credentials' user name and password, or ""."""
    if credentials is None or not (credentials.username or credentials.password):
        return ""
    pair = f"{credentials.username}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class HttpClient:
    """GETs under the module's rules; ``on_request(url, seconds, status)`` for metrics."""

    def __init__(
        self,
        limits: HttpLimits = HttpLimits(),
        *,
        on_request: Callable[[str, float, int], None] | None = None,
    ) -> None:
        self._limits = limits
        self._on_request = on_request

    def get(
        self,
        url: str,
        *,
        credentials: RepoCredentials | None = None,
        authorization: str | None = None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        method: str = "GET",
    ) -> HttpResponse:
        """GET ``url``. ``authorization`` replaces the Basic header built from the
        credentials (a registry's bearer token); both stay on the first server."""
        limit = self._limits.max_bytes if max_bytes is None else max_bytes
        deadline = time.monotonic() + self._limits.timeout_seconds
        origin = parse_endpoint(url)
        auth = authorization if authorization is not None else basic_authorization(credentials)
        current = url
        for _ in range(self._limits.max_redirects + 1):
            here = parse_endpoint(current)
            trusted = origin is not None and here is not None and origin.same_server(here)
            response = self._once(
                method,
                current,
                credentials if trusted else None,
                {**(headers or {}), **({"Authorization": auth} if auth and trusted else {})},
                limit,
                deadline,
            )
            if response.status not in _REDIRECTS:
                return response
            current = self._redirect_target(current, response)
        raise RepositoryUnreachable(
            f"{redact_url(url)}: more than {self._limits.max_redirects} redirects"
        )

    def _redirect_target(self, current: str, response: HttpResponse) -> str:
        location = response.header("location")
        if not location:
            raise RepositoryUnreachable(f"{redact_url(current)}: redirect without a Location")
        target = urljoin(current, location)
        before, after = urlsplit(current).scheme, urlsplit(target).scheme
        if after not in ("http", "https") or (before == "https" and after == "http"):
            raise RepositoryUnreachable(
                f"{redact_url(current)}: redirect to {after}:// refused (only https, or http "
                "from http)"
            )
        return target

    def _once(
        self,
        method: str,
        url: str,
        credentials: RepoCredentials | None,
        headers: Mapping[str, str],
        limit: int,
        deadline: float,
    ) -> HttpResponse:
        parts = urlsplit(url)
        shown = redact_url(url)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RepositoryUnreachable(f"{shown}: timed out")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RepositoryUnreachable(f"{shown}: only http:// and https:// URLs are fetched")
        started = time.monotonic()
        status = 0
        try:
            connection = _connect(parts.scheme, parts.hostname, parts.port, credentials, remaining)
            try:
                target = parts.path or "/"
                if parts.query:
                    target += f"?{parts.query}"
                connection.request(
                    method, target, headers={"User-Agent": USER_AGENT, **dict(headers)}
                )
                raw = connection.getresponse()
                status = raw.status
                body = b"" if method == "HEAD" else _read(raw, limit, deadline, shown)
                names = {k.lower(): v for k, v in raw.getheaders()}
            finally:
                connection.close()
        except (OSError, http.client.HTTPException, ssl.SSLError) as error:
            raise RepositoryUnreachable(f"{shown}: {_reason(error)}") from error
        finally:
            if self._on_request is not None:
                self._on_request(url, time.monotonic() - started, status)
        return HttpResponse(status, names, body, url)


def _read(raw: http.client.HTTPResponse, limit: int, deadline: float, shown: str) -> bytes:
    body = bytearray()
    while True:
        if time.monotonic() > deadline:
            raise RepositoryUnreachable(f"{shown}: timed out while downloading")
        chunk = raw.read(_CHUNK)
        if not chunk:
            return bytes(body)
        body.extend(chunk)
        if len(body) > limit:
            raise RepositoryUnreachable(f"{shown}: larger than the limit of {limit} bytes")


def _connect(
    scheme: str,
    host: str,
    port: int | None,
    credentials: RepoCredentials | None,
    timeout: float,
) -> http.client.HTTPConnection:
    if scheme == "http":
        return http.client.HTTPConnection(host, port, timeout=timeout)
    context = tls_context(credentials)
    return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)


def tls_context(credentials: RepoCredentials | None) -> ssl.SSLContext:
    """System trust, plus the credentials' CA, client certificate and ``insecure``."""
    context = ssl.create_default_context()
    if credentials is None:
        return context
    if credentials.ca_data:
        context.load_verify_locations(cadata=credentials.ca_data)
    if credentials.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if credentials.tls_client_cert_data and credentials.tls_client_cert_key:
        with tempfile.TemporaryDirectory(prefix="gitopsd-tls-") as private:
            cert, key = Path(private) / "cert.pem", Path(private) / "key.pem"
            for path, text in ((cert, credentials.tls_client_cert_data),
                               (key, credentials.tls_client_cert_key)):  # fmt: skip
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "w") as handle:
                    handle.write(text)
            context.load_cert_chain(cert, key)
    return context


def _reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({error.verify_message})"
    if isinstance(error, ssl.SSLError):
        return f"TLS error ({error.reason or type(error).__name__})"
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.gaierror):
        return "host not found"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__
