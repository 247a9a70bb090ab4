"""Registered clusters: the local one plus Argo CD-style cluster Secrets.

``destination.server`` or ``destination.name`` resolve here. The cluster gitopsd runs in
answers to ``https://kubernetes.default.svc``, to the name ``in-cluster``, and to its own
API URL. Each remote cluster gets its own ``KubeCluster`` and its own watcher.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gitopsd.cluster import KubeCluster, from_credentials
from gitopsd.cluster.connection import ClusterCredentials
from gitopsd.errors import ConfigError, SpecError
from gitopsd.model.annotations import IN_CLUSTER_SERVER
from gitopsd.spec import Destination

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterEntry:
    name: str
    server: str
    labels: dict[str, str]
    annotations: dict[str, str]
    namespaces: tuple[str, ...]
    cluster: KubeCluster


def _decode(secret: dict[str, Any]) -> dict[str, str]:
    values = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    values.update({k: str(v) for k, v in (secret.get("stringData") or {}).items()})
    return values


def parse_cluster_secret(
    secret: dict[str, Any],
) -> tuple[str, str, ClusterCredentials, dict[str, Any]]:
    """(name, server, credentials, metadata) of a cluster Secret. Never logs values."""
    values = _decode(secret)
    server = values.get("server", "").rstrip("/")
    if not server:
        raise ConfigError(f"cluster Secret {secret['metadata'].get('name')}: no server")
    try:
        config = json.loads(values.get("config") or "{}")
    except ValueError as error:
        raise ConfigError(
            f"cluster Secret {secret['metadata'].get('name')}: config is not JSON"
        ) from error
    tls = config.get("tlsClientConfig") or {}
    creds = ClusterCredentials(
        server=server,
        bearer_token=str(config.get("bearerToken") or ""),
        ca_data=str(tls.get("caData") or ""),
        cert_data=str(tls.get("certData") or ""),
        key_data=str(tls.get("keyData") or ""),
        insecure=bool(tls.get("insecure", False)),
    )
    return values.get("name") or server, server, creds, secret.get("metadata") or {}


class ClusterRegistry:
    def __init__(
        self,
        local: KubeCluster,
        *,
        make_cluster: Callable[[ClusterCredentials], KubeCluster] | None = None,
        on_added: Callable[[ClusterEntry], None] | None = None,
    ) -> None:
        self.local = ClusterEntry(
            name="in-cluster",
            server=IN_CLUSTER_SERVER,
            labels={},
            annotations={},
            namespaces=(),
            cluster=local,
        )
        self._make = make_cluster or (lambda creds: KubeCluster(from_credentials(creds)))
        self._on_added = on_added
        self._by_secret: dict[str, ClusterEntry] = {}
        self._lock = threading.Lock()

    def upsert_secret(self, secret: dict[str, Any]) -> None:
        name, server, creds, meta = parse_cluster_secret(secret)
        entry = ClusterEntry(
            name=name,
            server=server,
            labels=dict(meta.get("labels") or {}),
            annotations=dict(meta.get("annotations") or {}),
            namespaces=tuple(_decode(secret).get("namespaces", "").split(","))
            if _decode(secret).get("namespaces")
            else (),
            # A Secret for the local cluster only names and labels it (as in Argo CD).
            cluster=self.local.cluster if server == IN_CLUSTER_SERVER else self._make(creds),
        )
        with self._lock:
            self._by_secret[str(meta.get("name"))] = entry
        if self._on_added is not None:
            self._on_added(entry)

    def remove_secret(self, secret_name: str) -> None:
        with self._lock:
            self._by_secret.pop(secret_name, None)

    def entries(self) -> list[ClusterEntry]:
        with self._lock:
            return [self.local, *sorted(self._by_secret.values(), key=lambda e: e.name)]

    def resolve(self, destination: Destination) -> ClusterEntry:
        local_urls = {IN_CLUSTER_SERVER, self.local.cluster.host.rstrip("/")}
        if destination.server:
            server = destination.server.rstrip("/")
            for entry in self.entries()[1:]:
                if entry.server == server:
                    return entry
            if server in local_urls:
                return self.local
            raise SpecError(f"destination server {destination.server} is not a registered cluster")
        for entry in self.entries()[1:]:
            if entry.name == destination.name:
                return entry
        if destination.name == "in-cluster":
            return self.local
        raise SpecError(f"destination cluster name {destination.name!r} is not registered")
