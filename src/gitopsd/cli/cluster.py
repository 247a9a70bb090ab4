"""``gitopsd cluster add|list|rm``: register destination clusters as Argo CD-style Secrets.

``add CONTEXT`` copies a kubeconfig context's server and credentials (certificate data or
files, token or token file) into a Secret ``cluster-<name>`` labelled
``gitopsd.io/secret-type: cluster`` in the hub's gitopsd namespace; the hub is the
kubeconfig's current context unless ``--hub-context`` names another. ``list`` probes every
registered cluster (and the local ``in-cluster`` one) with ``GET /version``. Secret values
are never printed. Registered by :mod:`gitopsd.cli.main`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
from dataclasses import asdict, dataclass
from typing import Any

from gitopsd.cli.app_context import (
    DEFAULT_NAMESPACE,
    connect,
    kubeconfig_path,
    registered_cluster,
)
from gitopsd.cli.output import ExitCode, OutputFormat, dump, format_table
from gitopsd.cluster import KubeCluster
from gitopsd.cluster.kubeconfig import KubeContext, read_context
from gitopsd.config import env_flag_default
from gitopsd.errors import ConfigError, GitopsdError, NotFound
from gitopsd.model.annotations import IN_CLUSTER_SERVER, SECRET_TYPE_CLUSTER, SECRET_TYPE_LABEL
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.operator.clusters import parse_cluster_secret

SECRET = GroupKind("", "Secret")
SECRET_PREFIX = "cluster-"
PROBE_TIMEOUT_SECONDS = 5.0
CLI_FIELD_MANAGER = "gitopsd-cli"
LIST_HEADERS = ("NAME", "SERVER", "CONNECTION", "VERSION")
_NOT_DNS = re.compile(r"[^a-z0-9.-]+")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("cluster", help="register destination clusters")
    verbs = parser.add_subparsers(dest="cluster_command", metavar="VERB", required=True)
    add = _verb(verbs, "add", "register a kubeconfig context as a destination", run_add)
    add.add_argument("kube_context", metavar="CONTEXT", help="the kubeconfig context to add")
    add.add_argument("--name", help="the cluster's name (default: the context's name)")
    listing = _verb(verbs, "list", "list registered clusters and probe them", run_list)
    listing.add_argument(
        "-o", "--output", type=OutputFormat, choices=list(OutputFormat), default="table"
    )
    remove = _verb(verbs, "rm", "unregister a cluster", run_rm)
    remove.add_argument("cluster", metavar="NAME", help="the cluster's name or server URL")


def _verb(verbs: Any, name: str, help_text: str, func: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = verbs.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG"))
    parser.add_argument("--hub-context", help="the cluster gitopsd runs in (default: current)")
    parser.add_argument(
        "-n",
        "--namespace",
        default=env_flag_default("namespace", DEFAULT_NAMESPACE),
        help=f"gitopsd's namespace on the hub (default {DEFAULT_NAMESPACE})",
    )
    parser.set_defaults(func=func)
    return parser


def _hub(args: argparse.Namespace) -> KubeCluster:
    return connect(args, context=args.hub_context)


# --- add -------------------------------------------------------------------------------
def secret_name(cluster_name: str) -> str:
    """``cluster-<name>`` as a valid object name (lower case, DNS characters only)."""
    cleaned = _NOT_DNS.sub("-", cluster_name.lower()).strip("-.")
    if not cleaned:
        raise ConfigError(f"cluster name {cluster_name!r} has no usable characters")
    return (SECRET_PREFIX + cleaned)[:253].rstrip("-.")


def cluster_secret(context: KubeContext, *, name: str, namespace: str) -> dict[str, Any]:
    """The cluster Secret for ``context`` in Argo CD's shape (values in ``stringData``)."""
    tls: dict[str, Any] = {"insecure": context.insecure}
    for field, value in (
        ("caData", context.ca_data),
        ("certData", context.cert_data),
        ("keyData", context.key_data),
    ):
        if value:
            tls[field] = value
    config: dict[str, Any] = {"tlsClientConfig": tls}
    if context.token:
        config["bearerToken"] = context.token
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": secret_name(name),
            "namespace": namespace,
            "labels": {SECRET_TYPE_LABEL: SECRET_TYPE_CLUSTER},
        },
        "type": "Opaque",
        "stringData": {
            "name": name,
            "server": context.server,
            "config": json.dumps(config, sort_keys=True),
        },
    }


def as_data(secret: dict[str, Any]) -> dict[str, Any]:
    """``stringData`` moved into base64 ``data``: server-side apply then owns what is stored."""
    encoded = {
        key: base64.b64encode(str(value).encode()).decode()
        for key, value in (secret.get("stringData") or {}).items()
    }
    body = {k: v for k, v in secret.items() if k != "stringData"}
    return {**body, "data": encoded}


def run_add(args: argparse.Namespace) -> int:
    context = read_context(kubeconfig_path(args.kubeconfig), args.kube_context)
    name = args.name or context.name
    secret = cluster_secret(context, name=name, namespace=args.namespace)
    _hub(args).apply(as_data(secret), field_manager=CLI_FIELD_MANAGER)
    print(
        f"cluster {name!r} ({context.server}) registered as "
        f"Secret/{args.namespace}/{secret['metadata']['name']}"
    )
    return ExitCode.OK


# --- list ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClusterRow:
    name: str
    server: str
    connection: str
    version: str


def probe(cluster: KubeCluster) -> tuple[str, str]:
    """(``Successful``, gitVersion) or (``Failed``, "")."""
    try:
        return "Successful", cluster.server_version()
    except GitopsdError:
        return "Failed", ""


def _cluster_secrets(hub: KubeCluster, namespace: str) -> list[dict[str, Any]]:
    selector = f"{SECRET_TYPE_LABEL}={SECRET_TYPE_CLUSTER}"
    return hub.list(SECRET, namespace=namespace, label_selector=selector)


def _probe_secret(secret: dict[str, Any]) -> ClusterRow:
    try:
        name, server, creds, _ = parse_cluster_secret(secret)
    except (ConfigError, ValueError):
        return ClusterRow(str(secret["metadata"]["name"]), "", "Failed", "")
    with registered_cluster(creds, timeout_seconds=PROBE_TIMEOUT_SECONDS) as cluster:
        connection, version = probe(cluster)
    return ClusterRow(name, server, connection, version)


def cluster_rows(hub: KubeCluster, namespace: str) -> list[ClusterRow]:
    """``in-cluster`` first, then the registered clusters by name."""
    connection, version = probe(hub)
    local = ClusterRow("in-cluster", IN_CLUSTER_SERVER, connection, version)
    rows = [_probe_secret(secret) for secret in _cluster_secrets(hub, namespace)]
    return [local, *sorted(rows, key=lambda row: (row.name, row.server))]


def format_clusters(rows: list[ClusterRow]) -> str:
    return format_table(
        LIST_HEADERS, [[r.name, r.server, r.connection, r.version or "-"] for r in rows]
    )


def run_list(args: argparse.Namespace) -> int:
    rows = cluster_rows(_hub(args), args.namespace)
    if args.output is OutputFormat.TABLE:
        sys.stdout.write(format_clusters(rows))
    else:
        sys.stdout.write(dump([asdict(row) for row in rows], args.output))
    return ExitCode.OK


# --- rm --------------------------------------------------------------------------------
def run_rm(args: argparse.Namespace) -> int:
    hub = _hub(args)
    wanted = args.cluster.rstrip("/")
    if wanted in ("in-cluster", IN_CLUSTER_SERVER):
        raise ConfigError("in-cluster is gitopsd's own cluster and cannot be removed")
    matches = []
    for secret in _cluster_secrets(hub, args.namespace):
        try:
            name, server, _, meta = parse_cluster_secret(secret)
        except (ConfigError, ValueError):
            name, server, meta = "", "", secret["metadata"]
        if wanted in (name, server, meta.get("name")):
            matches.append(str(meta.get("name")))
    if not matches:
        raise NotFound(f"cluster {args.cluster!r}: not registered in {args.namespace}")
    for found in sorted(set(matches)):
        key = ResourceKey("", "Secret", args.namespace, found)
        hub.delete(key, propagation="Background")
        print(f"cluster {args.cluster!r}: removed {key}")
    return ExitCode.OK
