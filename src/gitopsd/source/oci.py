"""Helm charts in OCI registries: tags, manifests and the chart layer, by digest.

Follows the OCI distribution API as Helm uses it: ``GET /v2/<name>/tags/list`` (Helm
writes ``+`` in a version as ``_`` in the tag), ``GET /v2/<name>/manifests/<tag|digest>``
and ``GET /v2/<name>/blobs/<digest>`` for the layer of media type
``application/vnd.cncf.helm.chart.content.v1.tar+gzip``. A manifest's digest is the
SHA-256 of its bytes, computed here and compared with ``Docker-Content-Digest`` when the
registry sends one; the layer is checked against the digest the manifest names.

Authentication: Basic credentials on a ``Basic`` challenge; on a ``Bearer`` challenge a
token from the challenge's realm (``service`` and a pull ``scope``), with the
credentials only when the realm is on the registry's own host (otherwise anonymously),
then the token on the registry only. Called by :mod:`gitopsd.source.charts`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from gitopsd.errors import (
    AuthenticationFailed,
    DigestMismatch,
    RepositoryUnreachable,
    RevisionNotFound,
)
from gitopsd.source.chart_store import sha256_digest
from gitopsd.source.credentials import RepoCredentials
from gitopsd.source.http import HttpClient, HttpResponse, basic_authorization

CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json"
)
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')
_MAX_MANIFEST = 4 * 1024 * 1024
_MAX_TAG_PAGES = 50


@dataclass(frozen=True)
class OciRepository:
    """``oci://host[:port]/path`` plus the chart name: where the chart's tags live."""

    scheme: str  # https (or http for a plain-HTTP registry)
    host: str  # host[:port]
    name: str  # repository path, chart included

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}/v2/{self.name}"

    def __str__(self) -> str:
        return f"oci://{self.host}/{self.name}"


def oci_repository(repo_url: str, chart: str, *, plain_http: bool = False) -> OciRepository:
    """The repository of ``chart`` under ``repo_url`` (``oci://`` or scheme-less)."""
    text = repo_url.strip().removeprefix("oci://").rstrip("/")
    host, _, path = text.partition("/")
    name = "/".join(p for p in (path, chart) if p)
    return OciRepository("http" if plain_http else "https", host, name)


class OciClient:
    """Reads one chart's tags, manifests and layer (see the module docstring)."""

    def __init__(self, http: HttpClient) -> None:
        self._http = http
        self._tokens: dict[tuple[str, str], str] = {}

    def tags(self, repo: OciRepository, credentials: RepoCredentials | None) -> list[str]:
        tags: list[str] = []
        url = f"{repo.base}/tags/list"
        for _ in range(_MAX_TAG_PAGES):
            response = self._get(repo, url, credentials, {"Accept": "application/json"})
            if response.status == 404:
                raise RevisionNotFound(f"{repo}: no such chart in the registry")
            _check(repo, response, "tags")
            tags.extend(str(t) for t in _json(repo, response).get("tags") or [])
            link = response.header("link")
            match = re.match(r"<([^>]+)>", link)
            if match is None:
                return tags
            url = urljoin(url, match[1])
        return tags

    def manifest(
        self, repo: OciRepository, reference: str, credentials: RepoCredentials | None
    ) -> tuple[str, bytes]:
        """(digest, bytes) of the manifest for a tag or a digest; digests are checked."""
        response = self._get(
            repo,
            f"{repo.base}/manifests/{reference}",
            credentials,
            {"Accept": MANIFEST_TYPES},
            max_bytes=_MAX_MANIFEST,
        )
        if response.status == 404:
            raise RevisionNotFound(f"{repo}: no manifest {reference!r}")
        _check(repo, response, "manifest")
        digest = sha256_digest(response.body)
        for claimed in (response.header("docker-content-digest"),
                        reference if reference.startswith("sha256:") else ""):  # fmt: skip
            if claimed and claimed != digest:
                raise DigestMismatch(
                    f"{repo}: manifest {reference!r} has digest {digest}, expected {claimed}; "
                    "refused"
                )
        return digest, response.body

    def blob(
        self, repo: OciRepository, digest: str, credentials: RepoCredentials | None, max_bytes: int
    ) -> bytes:
        response = self._get(
            repo, f"{repo.base}/blobs/{digest}", credentials, {}, max_bytes=max_bytes
        )
        _check(repo, response, "chart layer")
        return response.body

    def _get(
        self,
        repo: OciRepository,
        url: str,
        credentials: RepoCredentials | None,
        headers: dict[str, str],
        *,
        max_bytes: int | None = None,
    ) -> HttpResponse:
        token = self._tokens.get((repo.host, repo.name))
        authorization = f"Bearer {token}" if token else None
        response = self._http.get(
            url, credentials=credentials, authorization=authorization, headers=headers,
            max_bytes=max_bytes,
        )  # fmt: skip
        if response.status != 401:
            return response
        challenge = response.header("www-authenticate")
        scheme, _, params = challenge.partition(" ")
        if scheme.lower() == "basic":
            if credentials is None:
                raise AuthenticationFailed(f"{repo}: the registry requires credentials")
            authorization = basic_authorization(credentials)
        elif scheme.lower() == "bearer":
            token = self._token(repo, dict(_CHALLENGE.findall(params)), credentials)
            self._tokens[(repo.host, repo.name)] = token
            authorization = f"Bearer {token}"
        else:
            raise AuthenticationFailed(f"{repo}: unsupported authentication challenge")
        response = self._http.get(
            url, credentials=credentials, authorization=authorization, headers=headers,
            max_bytes=max_bytes,
        )  # fmt: skip
        if response.status in (401, 403):
            raise AuthenticationFailed(f"{repo}: the registry refused the credentials")
        return response

    def _token(
        self, repo: OciRepository, challenge: dict[str, str], credentials: RepoCredentials | None
    ) -> str:
        realm = challenge.get("realm", "")
        if urlsplit(realm).scheme not in ("https", "http"):
            raise AuthenticationFailed(f"{repo}: the registry names no usable token realm")
        query = {"scope": challenge.get("scope") or f"repository:{repo.name}:pull"}
        if challenge.get("service"):
            query["service"] = challenge["service"]
        same_host = urlsplit(realm).netloc == repo.host
        response = self._http.get(
            f"{realm}?{urlencode(query)}",
            authorization=basic_authorization(credentials) if same_host else "",
        )
        if response.status in (401, 403):
            raise AuthenticationFailed(
                f"{repo}: the registry's token service refused the credentials"
            )
        _check(repo, response, "token")
        body = _json(repo, response)
        token = str(body.get("token") or body.get("access_token") or "")
        if not token:
            raise AuthenticationFailed(f"{repo}: the token service answered without a token")
        return token


def chart_layer(repo: OciRepository, manifest: bytes) -> str:
    """The digest of the manifest's Helm chart layer."""
    try:
        document: Any = json.loads(manifest)
    except ValueError as error:
        raise RepositoryUnreachable(f"{repo}: the manifest is not JSON") from error
    for layer in (document.get("layers") if isinstance(document, dict) else None) or []:
        if isinstance(layer, dict) and layer.get("mediaType") == CHART_LAYER:
            return str(layer.get("digest") or "")
    raise RevisionNotFound(f"{repo}: the manifest has no Helm chart layer ({CHART_LAYER})")


def _check(repo: OciRepository, response: HttpResponse, what: str) -> None:
    if response.status in (401, 403):
        raise AuthenticationFailed(f"{repo}: the registry refused access to the {what}")
    if response.status >= 400:
        raise RepositoryUnreachable(
            f"{repo}: the registry answered {response.status} for the {what}"
        )


def _json(repo: OciRepository, response: HttpResponse) -> dict[str, Any]:
    try:
        body = json.loads(response.body)
    except ValueError as error:
        raise RepositoryUnreachable(f"{repo}: the registry answered with invalid JSON") from error
    return body if isinstance(body, dict) else {}
