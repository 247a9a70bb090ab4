"""Repository URLs made safe to show: credentials, query strings and fragments removed.

Called by :class:`gitopsd.metrics.Metrics` before a URL becomes a label value, and by the
webhook receiver before it logs or compares URLs. ``https://user:token@host/org/repo``
becomes ``https://host/org/repo``. For http(s) the whole user part goes, because a token
alone is a common user name (``https://ghp_xxx@github.com/...``); for ssh and git URLs
the user name stays (``git@github.com:org/repo``) and only a password is dropped.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# scp-like syntax: [user[:password]@]host:path, with no scheme.
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/]+)@)?(?P<host>[^:/@]+):(?P<path>(?!//).*)$")
_ANY_USERINFO = re.compile(r"//[^/@]*@")


def strip_credentials(url: str) -> str:
    """``url`` with no password, token, query string or fragment in it."""
    if "://" not in url:
        return _strip_scp_like(url)
    try:
        parts = urlsplit(url)
        netloc = _safe_netloc(parts.scheme, parts.netloc)
    except ValueError:
        # Not parseable as a URL (bad port, stray brackets): drop anything before an '@'.
        return _ANY_USERINFO.sub("//", url.split("?", 1)[0].split("#", 1)[0])
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _safe_netloc(scheme: str, netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    if not at:
        return netloc
    if scheme.lower() in ("http", "https") or not userinfo:
        return hostport
    user = userinfo.split(":", 1)[0]
    return f"{user}@{hostport}"


def _strip_scp_like(url: str) -> str:
    match = _SCP_LIKE.match(url)
    if match is None:
        return url
    user = (match["user"] or "").split(":", 1)[0]
    prefix = f"{user}@" if user else ""
    return f"{prefix}{match['host']}:{match['path']}"
