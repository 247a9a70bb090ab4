"""Repository URLs: the normalised form used as a cache and credential key, and the
redacted form used in every message we print.

Called by :mod:`gitopsd.source.credentials` (matching Secrets to repositories), by
:class:`gitopsd.source.repositories.GitRepositories` (cache directory names, error
messages) and by the renderer's cache keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

# scp-like syntax: ``git@github.com:org/repo.git`` (no scheme, a colon before the path).
_SCP_LIKE = re.compile(r"^(?P<user>[^@/\s]+@)?(?P<host>[^:/\s]+):(?P<path>(?!//).*)$")
# Userinfo in any URL-looking text: ``scheme://user:secret@host``, up to the last ``@``
# before the path (a password may hold an unencoded ``@``).
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#\s]*@")
# scp-like syntax with a password: ``user:secret@host:path``.
_SCP_PASSWORD = re.compile(r"^(?P<user>[^@/:\s]+):[^/\s]*@(?P<rest>[^@/:\s]+:.*)$")
SCRUBBED = "***"


def _strip_suffixes(path: str) -> str:
    path = path.rstrip("/")
    return path.removesuffix(".git").rstrip("/")


def normalize_repo_url(url: str) -> str:
    """The comparison form of a repository URL.

    Lower-cases the scheme and host, drops HTTP(S) userinfo (credentials are not part of a
    repository's identity), a trailing ``/`` and a ``.git`` suffix. SSH user names are kept:
    ``git@host`` and ``deploy@host`` may be different accounts.
    """
    text = url.strip()
    if "://" not in text:
        match = _SCP_LIKE.match(text)
        if match is None:
            return _strip_suffixes(text)
        user = match.group("user") or ""
        return f"{user}{match.group('host').lower()}:{_strip_suffixes(match.group('path'))}"
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    if parts.username and scheme not in ("http", "https"):
        host = f"{parts.username}@{host}"
    return urlunsplit((scheme, host, _strip_suffixes(parts.path), parts.query, ""))


def redact_url(url: str) -> str:
    """``url`` without userinfo, for messages and logs (``https://tok@host/r`` -> host only).

    SSH-style user names (``git@host:org/repo``) carry no secret and are kept; a password
    next to one (``git:secret@host:org/repo``) is dropped.
    """
    text = _USERINFO.sub(lambda m: m.group("scheme"), url.strip())
    return _SCP_PASSWORD.sub(lambda m: f"{m['user']}@{m['rest']}", text)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with URL userinfo and every non-trivial secret value replaced by ``***``."""
    cleaned = _USERINFO.sub(lambda m: m.group("scheme") + SCRUBBED + "@", text)
    for secret in sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True):
        cleaned = cleaned.replace(secret, SCRUBBED)
    return cleaned
