"""Mapping of HTTP failures from the API server to gitopsd's ClusterError tree.

Messages start with the object's id and carry the server's own message; for Secrets the
server's message is scrubbed of quoted values, which can echo secret data.
"""

from __future__ import annotations

import json
import re

from gitopsd.errors import (
    ClusterError,
    ClusterUnreachable,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
)

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def server_message(body: bytes | str | None) -> tuple[str, str]:
    """The ``message`` and ``reason`` of a Status body, or the raw text."""
    if not body:
        return "", ""
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    try:
        status = json.loads(text)
    except ValueError:
        return text.strip()[:500], ""
    if isinstance(status, dict):
        return str(status.get("message", "")), str(status.get("reason", ""))
    return text.strip()[:500], ""


def error_for(
    status: int, what: str, body: bytes | str | None, *, secret: bool = False
) -> ClusterError:
    message, reason = server_message(body)
    if secret:
        message = _QUOTED.sub('"++++++++"', message)
    text = f"{what}: {message or f'HTTP {status}'}"
    kind: type[ClusterError]
    if status == 0:
        kind = ClusterUnreachable
    elif status == 404:
        kind = NotFound
    elif status == 409:
        kind = Conflict
    elif status in (401, 403):
        kind = Forbidden
    elif status in (400, 422):
        kind = Invalid
    else:
        kind = ClusterError
    return kind(text, status=status, reason=reason)
