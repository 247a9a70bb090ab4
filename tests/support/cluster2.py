"""A second local control plane for multi-cluster stories, registered in the hub the way a
platform team registers a cluster: an Argo CD-shaped cluster Secret.

``second_cluster()`` starts one with ``hack/cluster.sh up <unique name>`` and stops it
afterwards; test modules wrap it in a session-scoped fixture so every multi-cluster story
shares one. ``SpokeCluster.register(hub, namespace)`` writes the cluster Secret
(``stringData``: ``name``, ``server``, ``config`` with ``tlsClientConfig`` carrying the
kubeconfig's client certificate, read from files when the kubeconfig points at them).
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from gitopsd.cluster.kubeconfig import KubeContext, read_context
from gitopsd.model.annotations import IN_CLUSTER_SERVER, SECRET_TYPE_CLUSTER, SECRET_TYPE_LABEL
from tests.support.kube import Kubectl

REPO = Path(__file__).resolve().parents[2]
CLUSTER_SCRIPT = REPO / "hack" / "cluster.sh"


@dataclass(frozen=True)
class SpokeCluster:
    """A running second control plane: its name, kubeconfig and kubectl."""

    name: str
    kubeconfig: str
    context: KubeContext

    @property
    def kubectl(self) -> Kubectl:
        return Kubectl(self.kubeconfig)

    @property
    def server(self) -> str:
        return self.context.server

    def secret_manifest(
        self, namespace: str, *, cluster_name: str, labels: dict[str, str] | None = None
    ) -> str:
        """The cluster Secret registering this control plane in the hub's ``namespace``."""
        tls = {
            "caData": self.context.ca_data,
            "certData": self.context.cert_data,
            "keyData": self.context.key_data,
        }
        return cluster_secret(
            namespace,
            cluster_name=cluster_name,
            server=self.server,
            config={"tlsClientConfig": tls},
            labels=labels,
        )

    def register(
        self,
        hub: Kubectl,
        namespace: str,
        *,
        cluster_name: str = "spoke",
        labels: dict[str, str] | None = None,
    ) -> None:
        hub.apply(self.secret_manifest(namespace, cluster_name=cluster_name, labels=labels))


def cluster_secret(
    namespace: str,
    *,
    cluster_name: str,
    server: str,
    config: dict[str, object] | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """An Argo CD-shaped cluster Secret. With ``server`` the in-cluster URL and no config,
    it only names and labels the hub itself (as Argo CD users label ``in-cluster``)."""
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": f"cluster-{cluster_name}",
            "namespace": namespace,
            "labels": {SECRET_TYPE_LABEL: SECRET_TYPE_CLUSTER, **(labels or {})},
        },
        "type": "Opaque",
        "stringData": {
            "name": cluster_name,
            "server": server,
            "config": json.dumps(config or {}, sort_keys=True),
        },
    }
    return yaml.safe_dump(secret, sort_keys=True)


def hub_secret(namespace: str, *, cluster_name: str, labels: dict[str, str]) -> str:
    """The cluster Secret that labels the hub (``https://kubernetes.default.svc``)."""
    return cluster_secret(
        namespace, cluster_name=cluster_name, server=IN_CLUSTER_SERVER, labels=labels
    )


def _cluster_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLUSTER_SCRIPT), *args], capture_output=True, text=True, check=False, timeout=300
    )


@contextmanager
def second_cluster(name: str | None = None) -> Iterator[SpokeCluster]:
    """Start a second control plane (``hack/cluster.sh up``), yield it, stop it after.

    ``GITOPSD_KEEP_CLUSTER`` set leaves it running, as for the hub.
    """
    name = name or f"gitopsd-spoke-{uuid.uuid4().hex[:6]}"
    up = _cluster_script("up", name)
    if up.returncode != 0:
        raise AssertionError(f"could not start the second cluster {name}:\n{up.stderr}")
    kubeconfig = up.stdout.strip().splitlines()[-1].removeprefix("export KUBECONFIG=")
    try:
        yield SpokeCluster(name, kubeconfig, read_context(kubeconfig))
    finally:
        if not os.environ.get("GITOPSD_KEEP_CLUSTER"):
            _cluster_script("down", name)
