"""Repository Secrets in Argo CD's shape: building one from a request, and what of one may
be shown. Pure.

A ``gitopsd.io/secret-type: repository`` Secret holds ``url``, ``type``, ``name``,
``project`` and the credentials ``username``, ``password``, ``sshPrivateKey`` (and
``insecure``); it is named ``repo-<hash of the URL>`` as Argo CD names them.
:func:`repository_view` never includes a credential, only whether one is set. Used by
the server's ``/api/v1/repositories`` and by ``gitopsd repo``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from gitopsd.errors import ConfigError
from gitopsd.model.annotations import SECRET_TYPE_LABEL, SECRET_TYPE_REPOSITORY
from gitopsd.source.endpoints import parse_endpoint

CREDENTIAL_FIELDS = ("username", "password", "sshPrivateKey")
PLAIN_FIELDS = ("name", "project")
TYPES = ("git", "helm")


def _decoded(secret: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in (secret.get("data") or {}).items():
        try:
            out[str(key)] = base64.b64decode(str(value)).decode()
        except ValueError:
            continue
    return out


def is_repository(secret: Mapping[str, Any]) -> bool:
    labels = (secret.get("metadata") or {}).get("labels") or {}
    return labels.get(SECRET_TYPE_LABEL) == SECRET_TYPE_REPOSITORY


def repository_view(secret: Mapping[str, Any]) -> dict[str, Any]:
    """What may be shown of a repository Secret: never a credential."""
    data = _decoded(secret)
    return {
        "repo": data.get("url", ""),
        "type": data.get("type") or "git",
        "name": data.get("name", ""),
        "project": data.get("project", ""),
        "insecure": data.get("insecure", "").lower() == "true",
        "hasCredentials": any(data.get(f) for f in CREDENTIAL_FIELDS),
    }


def secret_name(url: str) -> str:
    return "repo-" + hashlib.sha256(url.encode()).hexdigest()[:10]


def repository_secret(namespace: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The Secret for ``fields`` (Argo CD's ``Repository``: ``repo``, ``type``, …);
    ConfigError naming the first bad field (never its value)."""
    url = str(fields.get("repo") or "").strip()
    if not url or parse_endpoint(url) is None:
        raise ConfigError("repo: a Git URL (https://, http://, ssh:// or git@host:path)")
    kind = str(fields.get("type") or "git")
    if kind not in TYPES:
        raise ConfigError("type: git or helm")
    data = {"url": url, "type": kind}
    for field in (*PLAIN_FIELDS, *CREDENTIAL_FIELDS):
        value = fields.get(field)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{field}: must be a string")
        if value:
            data[field] = value
    if fields.get("insecure"):
        data["insecure"] = "true"
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": secret_name(url),
            "namespace": namespace,
            "labels": {SECRET_TYPE_LABEL: SECRET_TYPE_REPOSITORY},
        },
        "type": "Opaque",
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }
