r"""Where a repository URL sends git: scheme, host, port, SSH user and path segments.

Credentials are matched to repositories by comparing :class:`Endpoint`\ s, never URL
strings, because a string prefix says nothing about the server: ``http://127.0.0.1:3870``
is a prefix of ``http://127.0.0.1:38701/x`` and ``https://git.example.com`` of
``https://git.example.com.attacker.net/x``. Two URLs name the same server only when
scheme, host and port are equal (host case-insensitive, ports defaulted: https 443,
http 80, ssh 22, git 9418; ``git@host:path`` is ssh to ``host`` port 22), and a path
prefix covers a path only on whole segments (``/org`` covers ``/org`` and ``/org/x``,
not ``/organisation``).

A URL this module cannot read the way git and curl would (whitespace or control
characters, a non-ASCII or percent-encoded host, a bad port, a fragment, ``.`` or
``..`` path segments) parses to None and so matches no credentials: when in doubt,
nothing is sent. Used by :mod:`gitopsd.source.credentials`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"https": 443, "http": 80, "ssh": 22, "git": 9418, "oci": 443}
_SCHEME_ALIASES = {"git+ssh": "ssh", "ssh+git": "ssh"}
# Schemes whose user name is an account on the server (kept), rather than a credential.
_SCHEMES_WITH_ACCOUNTS = frozenset({"ssh", "git"})
# scp-like syntax, as git reads it: ``[user@]host:path`` with no slash before the colon.
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/:\s]+)@)?(?P<host>[^@/:\s\[\]]+):(?P<path>(?!//).*)$")
_HOST = re.compile(r"[a-z0-9_.-]+|[0-9a-f:.]+")
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f\\]")


@dataclass(frozen=True)
class Endpoint:
    """A repository URL as the server it reaches and the path it asks for.

    ``user`` is the SSH account (empty for http(s), whose user names are credentials);
    ``segments`` are the path's non-empty segments, ``.git`` dropped from the last one.
    """

    scheme: str
    host: str
    port: int | None
    user: str
    segments: tuple[str, ...]
    query: str = ""

    def same_server(self, other: Endpoint) -> bool:
        """Same scheme, host and port, and ``other``'s account when this one names one."""
        return (
            (self.scheme, self.host, self.port, self.query)
            == (other.scheme, other.host, other.port, other.query)
        ) and (not self.user or self.user == other.user)

    def names(self, repository: Endpoint) -> bool:
        """This endpoint is ``repository`` itself (a ``repository`` Secret's test)."""
        return self.same_server(repository) and self.segments == repository.segments

    def covers(self, repository: Endpoint) -> bool:
        """``repository`` lies at or under this endpoint's path (a ``repo-creds`` test)."""
        depth = len(self.segments)
        return self.same_server(repository) and repository.segments[:depth] == self.segments

    def url(self) -> str:
        """The endpoint written back as a URL (``scheme://host[:port]/path``)."""
        default = DEFAULT_PORTS.get(self.scheme)
        port = f":{self.port}" if self.port is not None and self.port != default else ""
        user = f"{self.user}@" if self.user else ""
        path = "/".join(self.segments)
        return f"{self.scheme}://{user}{self.host}{port}/{path}".rstrip("/")

    @property
    def specificity(self) -> tuple[int, bool]:
        """Orders matching prefixes: more path segments win, then a named account."""
        return (len(self.segments), bool(self.user))


def parse_endpoint(url: str) -> Endpoint | None:
    """The endpoint ``url`` reaches, or None when it cannot be read without doubt."""
    text = url.strip()
    if not text or _UNSAFE.search(text):
        return None
    if "://" in text:
        return _from_url(text)
    match = _SCP_LIKE.match(text)
    if match is None:
        return None
    return _endpoint("ssh", match["host"], None, match["user"] or "", match["path"], "")


def _from_url(text: str) -> Endpoint | None:
    if "#" in text:
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    scheme = _SCHEME_ALIASES.get(scheme, scheme)
    user = unquote(parts.username or "") if scheme in _SCHEMES_WITH_ACCOUNTS else ""
    return _endpoint(scheme, parts.hostname or "", port, user, parts.path, parts.query)


def _endpoint(
    scheme: str, host: str, port: int | None, user: str, path: str, query: str
) -> Endpoint | None:
    host = host.lower()
    if not host.isascii() or (scheme != "file" and not _HOST.fullmatch(host)):
        return None
    segments = _segments(path)
    if segments is None:
        return None
    if port is None:
        port = DEFAULT_PORTS.get(scheme)
    return Endpoint(scheme, host, port, user, segments, query)


def _segments(path: str) -> tuple[str, ...] | None:
    """Non-empty path segments, ``.git`` dropped from the last; None for dot segments,
    which curl and servers resolve so the path would not mean what it says."""
    segments = [segment for segment in path.split("/") if segment]
    if any(unquote(segment) in (".", "..") for segment in segments):
        return None
    if segments and segments[-1].endswith(".git") and segments[-1] != ".git":
        segments[-1] = segments[-1].removesuffix(".git")
    return tuple(segments)
