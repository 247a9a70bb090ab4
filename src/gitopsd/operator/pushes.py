"""Push webhooks, the controller's side: which Applications a push may concern
(``app_ref``, with Argo CD's ``manifest-generate-paths``) and the shared secrets pushes
are verified with, read from ``gitopsd-secret``. Used by :mod:`gitopsd.operator.runtime`.
"""

from __future__ import annotations

import base64
import binascii
import logging
import posixpath
from secrets import token_hex
from typing import Any

from gitopsd.cluster import KubeCluster
from gitopsd.errors import ClusterError, SpecError
from gitopsd.model.annotations import MANIFEST_GENERATE_PATHS, annotation
from gitopsd.model.keys import ResourceKey
from gitopsd.spec import Source, parse_application_spec
from gitopsd.webhook import AppRef, WebhookSecrets

log = logging.getLogger(__name__)

WEBHOOK_SECRET_NAME = "gitopsd-secret"


def webhook_secrets(local: KubeCluster, namespace: str) -> WebhookSecrets:
    """The webhook secrets in ``gitopsd-secret`` (read once, at start)."""
    key = ResourceKey("", "Secret", namespace, WEBHOOK_SECRET_NAME)
    try:
        secret = local.get(key) or {}
    except ClusterError:
        secret = {}
    data: dict[str, str] = {}
    for name, value in (secret.get("data") or {}).items():
        try:
            data[name] = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, TypeError):
            # Fail closed: a secret nobody knows, so that provider's pushes are refused
            # (dropping the key could leave every provider unverified). Named, never
            # shown: the value is a secret even when it is malformed.
            data[name] = token_hex(32)
            log.warning(
                "%s: data.%s is not valid base64 UTF-8; its webhooks are refused",
                WEBHOOK_SECRET_NAME,
                name,
            )
    return WebhookSecrets.from_data(data)


def app_ref(app: dict[str, Any]) -> AppRef:
    try:
        sources = parse_application_spec(app.get("spec") or {}).sources
    except SpecError:
        sources = ()  # an invalid spec is not synced, so no push needs to refresh it
    return AppRef(
        namespace=app["metadata"]["namespace"],
        name=app["metadata"]["name"],
        repo_urls=tuple(source.repo_url for source in sources),
        target_revisions=tuple(source.target_revision for source in sources),
        watch_paths=_generate_paths(app, sources),
    )


def _generate_paths(app: dict[str, Any], sources: tuple[Source, ...]) -> tuple[str, ...]:
    """Argo CD's ``manifest-generate-paths`` annotation: a push that changes none of these
    paths does not refresh the app. ``.`` is the source path; relative entries are relative
    to it, ``/``-rooted ones to the repository."""
    value = annotation(app, MANIFEST_GENERATE_PATHS)
    if not value:
        return ()
    base = sources[0].path if sources else "."
    paths = []
    for raw in value.split(";"):
        entry = raw.strip()
        if not entry:
            continue
        joined = entry.lstrip("/") if entry.startswith("/") else posixpath.join(base, entry)
        paths.append(posixpath.normpath(joined))
    return tuple(paths)
