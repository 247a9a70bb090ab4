"""Where the people's verbs connect: kubeconfig reading, the hub cluster, the user's name,
and which Application a verb names (``APP``, ``NAMESPACE/APP`` or ``--app-namespace``).

``app``, ``diff`` and ``cluster`` share the flags added by :func:`add_connection_flags` and
reach the Kubernetes API only through :class:`gitopsd.cluster.KubeCluster`. The kubeconfig
is read by :mod:`gitopsd.cluster.kubeconfig` (the client's own loader), for the user name
recorded in ``operation.initiatedBy`` and for ``cluster add``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gitopsd.cluster import KubeCluster, default_client, from_credentials, from_kubeconfig
from gitopsd.cluster.connection import ClusterCredentials
from gitopsd.cluster.kubeconfig import context_user
from gitopsd.config import env_flag_default
from gitopsd.errors import ConfigError, NotFound
from gitopsd.model.annotations import GROUP
from gitopsd.model.keys import GroupKind, ResourceKey

APPLICATION = GroupKind(GROUP, "Application")
DEFAULT_NAMESPACE = "gitopsd"


def add_connection_flags(parser: argparse.ArgumentParser, *, namespace: bool = True) -> None:
    parser.add_argument(
        "--kubeconfig",
        default=os.environ.get("KUBECONFIG"),
        help="kubeconfig file (default $KUBECONFIG, then ~/.kube/config)",
    )
    parser.add_argument("--context", help="kubeconfig context (default: the current one)")
    if namespace:
        parser.add_argument(
            "-n",
            "--namespace",
            default=env_flag_default("namespace", DEFAULT_NAMESPACE),
            help=f"where Applications live (default {DEFAULT_NAMESPACE})",
        )


def connect(args: argparse.Namespace, *, context: str | None = None) -> KubeCluster:
    """The hub cluster: the kubeconfig's ``--context`` (or ``context``, or the current one)."""
    chosen = context or getattr(args, "context", None)
    path = kubeconfig_path(args.kubeconfig)
    if chosen is None:
        return KubeCluster(default_client(path))  # in a Pod without a kubeconfig: in-cluster
    return KubeCluster(from_kubeconfig(path, context=chosen))


@contextmanager
def registered_cluster(
    creds: ClusterCredentials, *, timeout_seconds: float = 30.0
) -> Iterator[KubeCluster]:
    """A client for a registered cluster, its PEM scratch files removed afterwards.

    ``from_credentials`` writes certificates to private temp files for urllib3; a one-shot
    command removes them again rather than leaving keys behind.
    """
    cluster = KubeCluster(from_credentials(creds), timeout_seconds=timeout_seconds)
    try:
        yield cluster
    finally:
        configuration = cluster.api_client.configuration
        scratch = Path(tempfile.gettempdir())
        for attribute in ("ssl_ca_cert", "cert_file", "key_file"):
            value = getattr(configuration, attribute, None)
            if value and Path(value).parent == scratch and Path(value).name.startswith("gitopsd-"):
                Path(value).unlink(missing_ok=True)


def kubeconfig_path(explicit: str | None) -> str | None:
    """``--kubeconfig`` (or ``$KUBECONFIG``): one file or a ``KUBECONFIG``-style list, which
    the client's loader merges as kubectl does; None (the client default) when empty."""
    return explicit if explicit and explicit.strip(os.pathsep) else None


def add_app_namespace_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-N",
        "--app-namespace",
        default="",
        help="the Application's namespace, when not the control plane's (--namespace)",
    )


def application_ref(args: argparse.Namespace) -> tuple[str, str]:
    """The (namespace, name) an app verb acts on: ``APP`` may be ``namespace/name``;
    otherwise ``--app-namespace``, else the control-plane ``--namespace``."""
    text = str(args.app)
    flag = str(getattr(args, "app_namespace", "") or "")
    namespace, slash, name = text.rpartition("/")
    if not slash:
        return flag or args.namespace, text
    if not namespace or not name or "/" in namespace:
        raise ConfigError(f"application {text!r}: expected NAME or NAMESPACE/NAME")
    if flag and flag != namespace:
        raise ConfigError(
            f"application {text!r} is in namespace {namespace}, not --app-namespace {flag}"
        )
    return namespace, name


def application_key(namespace: str, name: str) -> ResourceKey:
    return ResourceKey(APPLICATION.group, APPLICATION.kind, namespace, name)


def get_application(cluster: KubeCluster, namespace: str, name: str) -> dict[str, Any]:
    app = cluster.get(application_key(namespace, name))
    if app is None:
        raise NotFound(f"Application/{namespace}/{name}: not found", status=404)
    return app


def current_username(args: argparse.Namespace) -> str:
    """Who ``operation.initiatedBy`` names: the kubeconfig context's user, else ``$USER``."""
    try:
        user = context_user(kubeconfig_path(args.kubeconfig), getattr(args, "context", None))
    except ConfigError:
        user = ""
    return user or os.environ.get("USER", "") or "unknown"
