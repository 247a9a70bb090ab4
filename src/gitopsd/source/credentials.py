r"""Repository credentials read from Argo CD-shaped Secrets, matched to repository URLs.

Secrets labelled ``gitopsd.io/secret-type: repository`` apply to their own repository
only; those labelled ``repo-creds`` to every repository at or under their URL. Fields
follow Argo CD: ``url``, ``username``, ``password`` (or a token), ``sshPrivateKey``,
``insecure``, ``knownHosts``, and for Helm chart repositories and OCI registries
(``type: helm``) ``tlsClientCertData``, ``tlsClientCertKey`` and ``enableOCI`` (an OCI
URL may then be written without a scheme, ``registry.example.com/charts``, and means
``oci://registry.example.com/charts``). ``tlsCACertData`` (a PEM bundle) is gitopsd's
own: the CA a chart repository's or registry's certificate is checked against, on top of
the system's.

Matching compares :class:`~gitopsd.source.endpoints.Endpoint`\ s, not strings, so
credentials reach only the server they were written for: scheme, host and port must be
equal (defaults normalised, host case-insensitive) and a ``repo-creds`` path covers a
repository only on whole segments (``https://host/org`` covers ``https://host/org/app``,
never ``https://host/organisation`` nor ``https://host.attacker.net/org``). A
``repository`` Secret names one repository after Argo CD's normalisation (trailing
``/`` and ``.git`` ignored, host case-insensitive); among ``repo-creds`` the longest path
wins, as in Argo CD. A URL that cannot be read without doubt gets no credentials.

The operator lists the Secrets and calls :func:`credentials_from_secrets` (pure: plain
dicts in, a frozen store out); :class:`gitopsd.source.repositories.GitRepositories` calls
:meth:`CredentialStore.lookup` before every network operation. Secret values never appear
in a ``repr``, a message or a log line.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitopsd.model.annotations import (
    SECRET_TYPE_LABEL,
    SECRET_TYPE_REPO_CREDS,
    SECRET_TYPE_REPOSITORY,
)
from gitopsd.source.endpoints import Endpoint, parse_endpoint
from gitopsd.source.urls import redact_url

_TRUE = ("true", "yes", "1")


@dataclass(frozen=True, repr=False)
class RepoCredentials:
    """How to authenticate to one repository. The ``repr`` masks every secret field."""

    username: str = ""
    password: str = ""
    ssh_private_key: str = ""
    insecure: bool = False
    known_hosts: str = ""
    tls_client_cert_data: str = ""
    tls_client_cert_key: str = ""
    ca_data: str = ""
    enable_oci: bool = False
    name: str = ""  # Argo CD's repository name (``@name`` in chart dependencies)

    def __repr__(self) -> str:
        return (
            f"RepoCredentials(username={self.username!r}, "
            f"password={'***' if self.password else ''!r}, "
            f"ssh_private_key={'***' if self.ssh_private_key else ''!r}, "
            f"tls_client_cert_key={'***' if self.tls_client_cert_key else ''!r}, "
            f"insecure={self.insecure!r}, known_hosts={len(self.known_hosts)} chars)"
        )

    def secret_values(self) -> tuple[str, ...]:
        """Every value that must be scrubbed from tool output (the key line by line too)."""
        values = [self.password, self.ssh_private_key, self.tls_client_cert_key]
        values.extend(line.strip() for line in self.ssh_private_key.splitlines())
        values.extend(line.strip() for line in self.tls_client_cert_key.splitlines())
        return tuple(v for v in values if v and not v.startswith("-----"))


@dataclass(frozen=True)
class CredentialStore:
    """``repository`` credentials by endpoint, ``repo-creds`` by endpoint prefix.

    Both are in Secret (namespace/name) order, which breaks ties deterministically.
    """

    exact: tuple[tuple[Endpoint, RepoCredentials], ...] = ()
    prefixes: tuple[tuple[Endpoint, RepoCredentials], ...] = ()
    # One line per Secret that could not be used, naming the Secret, never its values.
    problems: tuple[str, ...] = ()

    def lookup(self, repo_url: str) -> RepoCredentials | None:
        """The ``repository`` credentials of ``repo_url``, else the most specific
        ``repo-creds`` covering it, else None."""
        wanted = parse_endpoint(repo_url)
        if wanted is None:
            return None
        named = [(e, c) for e, c in self.exact if e.names(wanted)]
        covering = [(e, c) for e, c in self.prefixes if e.covers(wanted)]
        candidates = named or covering
        if not candidates:
            return None
        # max() keeps the first of equals, so Secret order breaks ties.
        return max(candidates, key=lambda entry: entry[0].specificity)[1]

    def named(self, name: str) -> tuple[str, RepoCredentials] | None:
        """The ``repository`` Secret whose ``name`` is ``name`` (Argo CD's ``@name``
        chart repository references), as (its URL, its credentials)."""
        for endpoint, credentials in self.exact:
            if credentials.name and credentials.name == name:
                return endpoint.url(), credentials
        return None


def _secret_id(secret: Mapping[str, Any]) -> str:
    meta = secret.get("metadata") or {}
    return f"Secret/{meta.get('namespace') or ''}/{meta.get('name') or ''}".replace("//", "/")


def _decoded_fields(secret: Mapping[str, Any]) -> dict[str, str]:
    """``data`` (base64) overlaid with ``stringData``, as the API server merges them."""
    fields: dict[str, str] = {}
    for key, value in (secret.get("data") or {}).items():
        try:
            fields[str(key)] = base64.b64decode(str(value), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise ValueError(f"data.{key} is not valid base64 UTF-8") from error
    for key, value in (secret.get("stringData") or {}).items():
        fields[str(key)] = str(value)
    return fields


def _credentials(fields: Mapping[str, str]) -> RepoCredentials:
    return RepoCredentials(
        username=fields.get("username", ""),
        password=fields.get("password", ""),
        ssh_private_key=fields.get("sshPrivateKey", ""),
        insecure=fields.get("insecure", "").strip().lower() in _TRUE,
        known_hosts=fields.get("knownHosts", ""),
        tls_client_cert_data=fields.get("tlsClientCertData", ""),
        tls_client_cert_key=fields.get("tlsClientCertKey", ""),
        ca_data=fields.get("tlsCACertData", ""),
        enable_oci=fields.get("enableOCI", "").strip().lower() in _TRUE,
        name=fields.get("name", "").strip(),
    )


def secret_url(fields: Mapping[str, str]) -> str:
    """The Secret's URL; an OCI registry written without a scheme gets ``oci://``."""
    url = fields.get("url", "").strip()
    oci = fields.get("enableOCI", "").strip().lower() in _TRUE
    if url and oci and "://" not in url:
        return f"oci://{url}"
    return url


def credentials_from_secrets(secrets: list[dict[str, Any]]) -> CredentialStore:
    """Build a store from raw Secret objects (pure; unlabelled Secrets are ignored).

    Secrets are taken in namespace/name order, so when two name the same URL the first one
    wins deterministically. A Secret without a usable ``url`` or with undecodable data is
    skipped and reported in ``problems``.
    """
    exact: dict[Endpoint, RepoCredentials] = {}
    prefixes: dict[Endpoint, RepoCredentials] = {}
    problems: list[str] = []
    for secret in sorted(secrets, key=_secret_id):
        labels = (secret.get("metadata") or {}).get("labels") or {}
        kind = labels.get(SECRET_TYPE_LABEL)
        if kind not in (SECRET_TYPE_REPOSITORY, SECRET_TYPE_REPO_CREDS):
            continue
        try:
            fields = _decoded_fields(secret)
        except ValueError as error:
            problems.append(f"{_secret_id(secret)}: {error}")
            continue
        url = secret_url(fields)
        if not url:
            problems.append(f"{_secret_id(secret)}: no url field")
            continue
        endpoint = parse_endpoint(url)
        if endpoint is None:
            problems.append(f"{_secret_id(secret)}: url {redact_url(url)!r} is not usable")
            continue
        target = exact if kind == SECRET_TYPE_REPOSITORY else prefixes
        if endpoint in target:
            problems.append(f"{_secret_id(secret)}: {redact_url(url)} is already configured")
            continue
        target[endpoint] = _credentials(fields)
    return CredentialStore(
        exact=tuple(exact.items()), prefixes=tuple(prefixes.items()), problems=tuple(problems)
    )
