"""CSRF protection for browser sessions: a double-submit token bound to the session.

A browser sends the session cookie with every request to the server, including ones a
hostile page makes it send; such a page can neither read the server's cookies nor set
custom headers on a cross-site request (no CORS is allowed). So a cookie-authenticated
request that changes anything must repeat, in the ``X-CSRF-Token`` header, the token the
server set in the readable ``gitopsd.csrf`` cookie at sign-in: an HMAC of the session id
under the signing key. Nothing is stored, and the token dies with its session. Requests
authenticated by an ``Authorization`` header (CLI, CI) are not sent by browsers on their
own and need no token. Pure; used by :mod:`gitopsd.server.api.middleware`.
"""

from __future__ import annotations

import hashlib
import hmac

CSRF_HEADER = "X-CSRF-Token"
CSRF_COOKIE = "gitopsd.csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(key: str, session_id: str) -> str:
    return hmac.new(key.encode(), f"csrf:{session_id}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(method: str, cookie_authenticated: bool, header: str | None, expected: str) -> bool:
    """Whether a request passes: safe methods and header-authenticated requests always
    do; a cookie-authenticated change needs the session's token (compared in constant
    time)."""
    if method.upper() in SAFE_METHODS or not cookie_authenticated:
        return True
    return bool(header) and hmac.compare_digest(str(header), expected)
