"""A small JSON client for ``gitopsd server``, used by the CLI verbs that go through it.

Bearer token in ``Authorization`` (never in a URL), JSON in and out, the server's
``{error, code, message}`` turned into :class:`~gitopsd.errors.ServerError` (401 into
:class:`~gitopsd.errors.AuthError`, with a hint to sign in again). TLS is verified unless
the context says ``insecure``; ``plain-text`` speaks HTTP. Redirects are not followed,
so a token is never sent anywhere else. Standard library only (urllib).
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from gitopsd.cli.server_config import ServerContext
from gitopsd.errors import AuthError, ServerError

TIMEOUT_SECONDS = 60.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class ServerClient:
    def __init__(self, context: ServerContext, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.context = context
        self._timeout = timeout
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if context.insecure:
            unverified = ssl.create_default_context()
            unverified.check_hostname = False
            unverified.verify_mode = ssl.CERT_NONE
            handlers.append(urllib.request.HTTPSHandler(context=unverified))
        self._opener = urllib.request.build_opener(*handlers)

    def url(self, path: str, query: Mapping[str, Any] | None = None) -> str:
        pairs = [
            (key, str(item))
            for key, value in (query or {}).items()
            if value not in (None, "", [])
            for item in (value if isinstance(value, list | tuple) else [value])
        ]
        suffix = "?" + urllib.parse.urlencode(pairs) if pairs else ""
        return self.context.base_url + path + suffix

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: Mapping[str, Any] | None = None,
        authenticated: bool = True,
    ) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if authenticated:
            if not self.context.auth_token:
                raise AuthError(f"not signed in to {self.context.server}: run gitopsd login")
            headers["Authorization"] = f"Bearer {self.context.auth_token}"
        request = urllib.request.Request(
            self.url(path, query), data=data, headers=headers, method=method
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise _error(error) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ServerError(f"cannot reach {self.context.server}: {reason}") from error
        return json.loads(raw) if raw.strip() else {}

    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, query=query)


def _error(error: urllib.error.HTTPError) -> Exception:
    try:
        message = str(json.loads(error.read()).get("message") or error.reason)
    except (ValueError, AttributeError):
        message = str(error.reason)
    if error.code == 401:
        return AuthError(f"{message} (sign in again with gitopsd login)")
    return ServerError(f"{message} (HTTP {error.code})", status=error.code)
