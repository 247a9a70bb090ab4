"""One comparable form for the many spellings of a Git repository URL.

Used by :mod:`gitopsd.webhook.matching` to decide whether a pushed repository is the one
an Application tracks. ``git@github.com:Org/Repo.git``, ``ssh://git@github.com/org/repo``,
``https://user:token@GitHub.com/org/repo.git/`` and ``git://github.com/org/repo`` all
become ``github.com/org/repo``: scheme, user, password, query, a default port, ``.git``
and trailing slashes are dropped, and the result is lower-cased.

The path is lower-cased too, although a few servers treat it case-sensitively: a false
match costs one extra refresh, while a missed one leaves the Application stale until the
periodic refresh, and GitHub, GitLab and Bitbucket send names in their display case.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": "80", "https": "443", "ssh": "22", "git": "9418"}
_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/@]+):(?P<path>(?!//).*)$")


def normalize_repo_url(url: str) -> str:
    """``url`` as ``host[:port]/path``, lower-case, without credentials or ``.git``."""
    text = url.strip()
    if "://" in text:
        parts = urlsplit(text)
        host = _host_without_default_port(parts.scheme.lower(), parts.netloc)
        path = parts.path
    elif match := _SCP_LIKE.match(text):
        host, path = match["host"], match["path"]
    else:
        host, path = "", text
    path = path.strip("/").removesuffix(".git").rstrip("/")
    return f"{host}/{path}".lower() if host else path.lower()


def _host_without_default_port(scheme: str, netloc: str) -> str:
    hostport = netloc.rpartition("@")[2]
    if hostport.endswith("]"):  # bare IPv6 literal, no port
        return hostport
    host, colon, port = hostport.rpartition(":")
    if not colon:
        return hostport
    return host if port in ("", _DEFAULT_PORTS.get(scheme)) else hostport
