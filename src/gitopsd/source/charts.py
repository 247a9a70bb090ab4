"""``ChartRepositories``: Helm charts from chart repositories and OCI registries.

What Git is to a path source, this is to a ``chart`` source: ``resolve`` turns
``targetRevision`` (a version, a constraint such as ``1.2.*`` or ``>=1.0 <2.0``, or a
pinned ``VERSION@sha256:…``) into one version and the digest that identifies its bytes,
and ``chart_dir`` gives a read-only unpacked copy, downloaded once per digest.

- **HTTP repositories.** ``<repoURL>/index.yaml`` is fetched with ``If-None-Match`` /
  ``If-Modified-Since`` and kept in memory; within ``index_max_age_seconds`` many
  Applications share one answer (a refresh or a webhook drops it). The digest is the
  index's SHA-256 of the archive, and a download whose bytes differ is refused
  (DigestMismatch). Credentials go to the archive only when it is on the repository's
  own server (Helm's ``passCredentials: false``).
- **OCI registries** (``oci://`` URLs, or no scheme at all): tags are versions, the digest
  is the manifest's; the chart layer is checked against the manifest.
- **The revision** is ``VERSION@DIGEST`` (``1.2.3@sha256:…``): status, history and
  rollbacks carry it, and a rollback to it gets exactly those bytes or an error.

Credentials come from the same store and endpoint rules as Git
(:mod:`gitopsd.source.credentials`). Thread-safe. Called by
:class:`gitopsd.render.ManifestGenerator` and the Helm dependency resolver.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import yaml

from gitopsd.errors import (
    AuthenticationFailed,
    DigestMismatch,
    RepositoryUnreachable,
    RevisionNotFound,
    SpecError,
)
from gitopsd.model.semver import Constraint, Version, best_match, parse_constraint, parse_version
from gitopsd.source.chart_index import IndexEntry, parse_index
from gitopsd.source.chart_store import ChartStore
from gitopsd.source.credentials import CredentialStore, RepoCredentials
from gitopsd.source.endpoints import parse_endpoint
from gitopsd.source.http import HttpClient, HttpLimits
from gitopsd.source.oci import OciClient, OciRepository, chart_layer, oci_repository
from gitopsd.source.urls import redact_url

_PINNED = re.compile(r"^(?P<version>[^@\s]+)@(?P<digest>sha256:[0-9a-f]{64})$")
_MAX_ARCHIVE = 64 * 1024 * 1024


@dataclass(frozen=True)
class ResolvedChart:
    """One chart version and the digest of its bytes (archive, or OCI manifest)."""

    repo_url: str
    chart: str
    version: str
    digest: str
    archive_url: str = ""  # HTTP repositories: where the archive is

    @property
    def revision(self) -> str:
        return f"{self.version}@{self.digest}"


def is_oci(repo_url: str) -> bool:
    """``oci://`` URLs and scheme-less ``registry/path`` (how Argo CD writes OCI repos)."""
    text = repo_url.strip()
    return text.startswith("oci://") or "://" not in text


def oci_url(repo_url: str) -> str:
    text = repo_url.strip()
    return text if text.startswith("oci://") else f"oci://{text}"


def split_pinned(revision: str) -> tuple[str, str] | None:
    """(version, digest) of ``VERSION@sha256:…``, else None."""
    match = _PINNED.match(revision.strip())
    return (match["version"], match["digest"]) if match else None


@dataclass
class _Index:
    entries: dict[str, tuple[IndexEntry, ...]]
    etag: str
    modified: str
    fetched_at: float


class ChartRepositories:
    """Chart versions resolved and archives cached (see the module docstring)."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        credentials: CredentialStore | None = None,
        http: HttpClient | None = None,
        index_max_age_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = ChartStore(Path(cache_dir) / "charts")
        self._credentials = credentials or CredentialStore()
        self._http = http or HttpClient(HttpLimits())
        self._oci = OciClient(self._http)
        self._max_age = index_max_age_seconds
        self._clock = clock
        self._guard = threading.Lock()
        self._indexes: dict[str, _Index] = {}
        self._index_locks: dict[str, threading.Lock] = {}
        self._layers: dict[str, str] = {}  # OCI manifest digest -> layer digest
        self.downloads = 0  # archives fetched over the network (for benchmarks and tests)
        self.index_requests = 0

    # -- configuration ------------------------------------------------------------------
    def set_credentials(self, credentials: CredentialStore) -> None:
        with self._guard:
            self._credentials = credentials

    def credentials_for(self, repo_url: str) -> RepoCredentials | None:
        url = oci_url(repo_url) if is_oci(repo_url) else repo_url
        with self._guard:
            return self._credentials.lookup(url)

    def repository_named(self, name: str) -> str | None:
        """The URL of the ``repository`` Secret called ``name`` (``@name`` references)."""
        with self._guard:
            found = self._credentials.named(name)
        return found[0] if found else None

    def forget(self, repo_url: str | None = None) -> None:
        """Make the next resolve ask the repository again (conditionally)."""
        with self._guard:
            for key, index in self._indexes.items():
                if repo_url is None or key == _index_key(repo_url):
                    index.fetched_at = float("-inf")

    # -- resolving ----------------------------------------------------------------------
    def resolve(self, repo_url: str, chart: str, revision: str) -> ResolvedChart:
        """The version ``revision`` selects and its digest (see the module docstring)."""
        if is_oci(repo_url):
            return self._resolve_oci(repo_url, chart, revision)
        return self._resolve_http(repo_url, chart, revision)

    def _resolve_http(self, repo_url: str, chart: str, revision: str) -> ResolvedChart:
        entries = self._index(repo_url).get(chart)
        shown = f"{redact_url(repo_url)}: chart {chart}"
        if not entries:
            raise RevisionNotFound(f"{shown}: not in the repository's index")
        pinned = split_pinned(revision)
        if pinned is not None:
            entry = _entry_for(entries, pinned[0])
            if entry is None:
                raise RevisionNotFound(f"{shown}: version {pinned[0]} is no longer in the index")
            if entry.digest and entry.digest != pinned[1]:
                raise DigestMismatch(
                    f"{shown}: version {pinned[0]} now has digest {entry.digest}, not the "
                    f"{pinned[1]} it had; refused"
                )
            return self._resolved(repo_url, entry, pinned[1])
        constraint = _constraint(revision, shown)
        best = best_match(constraint, (e.version for e in entries))
        if best is None:
            raise RevisionNotFound(f"{shown}: no version matches {revision!r} ({_newest(entries)})")
        entry = next(e for e in entries if e.version == best)
        return self._resolved(repo_url, entry, entry.digest)

    def _resolved(self, repo_url: str, entry: IndexEntry, digest: str) -> ResolvedChart:
        archive_url = urljoin(repo_url.rstrip("/") + "/", entry.urls[0])
        resolved = ResolvedChart(repo_url, entry.name, entry.version, digest, archive_url)
        if digest:
            return resolved
        # No digest in the index: the archive's own digest identifies it from now on.
        return ResolvedChart(
            repo_url, entry.name, entry.version, self._download_http(resolved, ""), archive_url
        )

    def _resolve_oci(self, repo_url: str, chart: str, revision: str) -> ResolvedChart:
        repo = oci_repository(repo_url, chart)
        credentials = self.credentials_for(repo_url)
        pinned = split_pinned(revision)
        if pinned is not None:
            version, reference = pinned
        else:
            constraint = _constraint(revision, f"{repo}")
            tags = self._oci.tags(repo, credentials)
            versions = [t.replace("_", "+") for t in tags]
            best = best_match(constraint, versions)
            if best is None:
                newest = ", ".join(sorted(versions, key=_sort_key)[-5:]) or "none"
                raise RevisionNotFound(
                    f"{repo}: no version matches {revision!r} (newest tags: {newest})"
                )
            version, reference = best, best.replace("+", "_")
        digest, manifest = self._oci.manifest(repo, reference, credentials)
        with self._store.lock(digest):
            if not self._store.has(digest):
                self._store.put(manifest, digest, str(repo))
        with self._guard:
            self._layers[digest] = chart_layer(repo, manifest)
        return ResolvedChart(oci_url(repo_url), chart, version, digest)

    # -- archives -----------------------------------------------------------------------
    def archive(self, resolved: ResolvedChart) -> Path:
        """The chart archive's path in the cache, downloading it once."""
        if is_oci(resolved.repo_url):
            return self._store.blob_path(self._oci_layer(resolved))
        self._download_http(resolved, resolved.digest)
        return self._store.blob_path(resolved.digest)

    def chart_dir(self, resolved: ResolvedChart) -> Path:
        """The chart unpacked, read-only; its Chart.yaml must name the resolved chart."""
        archive = self.archive(resolved)
        digest = "sha256:" + archive.name
        directory = self._store.unpacked(digest, _shown(resolved))
        _check_chart_yaml(directory, resolved)
        return directory

    def _download_http(self, resolved: ResolvedChart, expected: str) -> str:
        shown = _shown(resolved)
        with self._store.lock(expected or resolved.archive_url):
            if expected and self._store.has(expected):
                return expected
            same_server = _same_server(resolved.repo_url, resolved.archive_url)
            response = self._http.get(
                resolved.archive_url,
                credentials=self.credentials_for(resolved.repo_url) if same_server else None,
                max_bytes=_MAX_ARCHIVE,
            )
            _check_status(response.status, shown, "chart archive")
            with self._guard:
                self.downloads += 1
            return self._store.put(response.body, expected, shown)

    def _oci_layer(self, resolved: ResolvedChart) -> str:
        repo = oci_repository(resolved.repo_url, resolved.chart)
        with self._guard:
            layer = self._layers.get(resolved.digest)
        if layer is None:  # a fresh process: the manifest is in the store, or fetched again
            if self._store.has(resolved.digest):
                manifest = self._store.read(resolved.digest)
            else:
                credentials = self.credentials_for(resolved.repo_url)
                _, manifest = self._oci.manifest(repo, resolved.digest, credentials)
                self._store.put(manifest, resolved.digest, str(repo))
            layer = chart_layer(repo, manifest)
        with self._store.lock(layer):
            if not self._store.has(layer):
                credentials = self.credentials_for(resolved.repo_url)
                data = self._oci.blob(repo, layer, credentials, _MAX_ARCHIVE)
                with self._guard:
                    self.downloads += 1
                self._store.put(data, layer, f"{repo}:{resolved.version}")
        return layer

    # -- index --------------------------------------------------------------------------
    def _index(self, repo_url: str) -> dict[str, tuple[IndexEntry, ...]]:
        key = _index_key(repo_url)
        with self._guard:
            lock = self._index_locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                cached = self._indexes.get(key)
            if cached is not None and self._clock() - cached.fetched_at < self._max_age:
                return cached.entries
            return self._fetch_index(repo_url, key, cached)

    def _fetch_index(
        self, repo_url: str, key: str, cached: _Index | None
    ) -> dict[str, tuple[IndexEntry, ...]]:
        shown = redact_url(repo_url)
        headers = {"Accept": "application/x-yaml, text/yaml, */*"}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.modified:
            headers["If-Modified-Since"] = cached.modified
        response = self._http.get(key, credentials=self.credentials_for(repo_url), headers=headers)
        with self._guard:
            self.index_requests += 1
        if response.status == 304 and cached is not None:
            cached.fetched_at = self._clock()
            return cached.entries
        _check_status(response.status, shown, "index.yaml")
        entries = parse_index(response.body, shown)
        index = _Index(
            entries, response.header("etag"), response.header("last-modified"), self._clock()
        )
        with self._guard:
            self._indexes[key] = index
        return entries


def _index_key(repo_url: str) -> str:
    return repo_url.strip().rstrip("/") + "/index.yaml"


def _shown(resolved: ResolvedChart) -> str:
    return f"{redact_url(resolved.repo_url)}: chart {resolved.chart} {resolved.version}"


def _same_server(first: str, second: str) -> bool:
    a, b = parse_endpoint(first), parse_endpoint(second)
    return a is not None and b is not None and a.same_server(b)


def _check_status(status: int, shown: str, what: str) -> None:
    if status in (401, 403):
        raise AuthenticationFailed(
            f"{shown}: the repository refused access to the {what} ({status})"
        )
    if status == 404:
        raise RepositoryUnreachable(f"{shown}: {what} not found (404)")
    if status >= 300:
        raise RepositoryUnreachable(f"{shown}: the repository answered {status} for the {what}")


def _constraint(revision: str, shown: str) -> Constraint:
    text = revision.strip()
    try:
        return parse_constraint("*" if text in ("", "HEAD") else text)
    except SpecError as error:
        raise RevisionNotFound(f"{shown}: {error}") from error


def _entry_for(entries: tuple[IndexEntry, ...], version: str) -> IndexEntry | None:
    for entry in entries:
        if entry.version == version:
            return entry
    wanted = parse_version(version)
    return next(
        (e for e in entries if wanted is not None and parse_version(e.version) == wanted), None
    )


def _sort_key(text: str) -> tuple[int, Version | None, str]:
    return (1, parse_version(text), "") if parse_version(text) else (0, None, text)


def _newest(entries: tuple[IndexEntry, ...]) -> str:
    versions = sorted((e.version for e in entries), key=_sort_key)
    return "newest: " + ", ".join(versions[-5:])


def _check_chart_yaml(directory: Path, resolved: ResolvedChart) -> None:
    """The archive must hold the chart and version it was resolved as."""
    path = directory / "Chart.yaml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise RevisionNotFound(
            f"{_shown(resolved)}: the archive has no readable Chart.yaml"
        ) from error
    if not isinstance(document, dict):
        raise RevisionNotFound(f"{_shown(resolved)}: the archive's Chart.yaml is not a mapping")
    name, version = str(document.get("name") or ""), str(document.get("version") or "")
    if name != resolved.chart or parse_version(version) != parse_version(resolved.version):
        raise DigestMismatch(
            f"{_shown(resolved)}: the archive holds {name} {version}, not the chart it was "
            "listed as; refused"
        )


__all__ = [
    "ChartRepositories",
    "OciRepository",
    "ResolvedChart",
    "is_oci",
    "oci_url",
    "split_pinned",
]
