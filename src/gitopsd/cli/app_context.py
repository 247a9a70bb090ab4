"""Where the people's verbs connect: kubeconfig reading, the hub cluster, the user's name,
and which Application a verb names (``APP``, ``NAMESPACE/APP`` or ``--app-namespace``).

``app``, ``diff`` and ``cluster`` share the flags added by :func:`add_connection_flags` and
reach the Kubernetes API only through :class:`gitopsd.cluster.KubeCluster`. The kubeconfig
is also read as plain YAML here, for the user name recorded in ``operation.initiatedBy``
and for ``cluster add``, which copies a context's credentials into a cluster Secret.
"""

from __future__ import annotations

import argparse
import base64
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitopsd.cluster import KubeCluster, default_client, from_credentials, from_kubeconfig
from gitopsd.cluster.connection import ClusterCredentials
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
    """The first file of a ``KUBECONFIG``-style list that exists (None: the client default)."""
    if not explicit:
        return None
    candidates = [p for p in explicit.split(os.pathsep) if p]
    for candidate in candidates:
        if Path(candidate).is_file():
            return candidate
    return candidates[0] if candidates else None


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


@dataclass(frozen=True)
class KubeContext:
    """One kubeconfig context with its credentials resolved to base64 data. Never printed."""

    name: str
    cluster_name: str
    user_name: str
    server: str
    ca_data: str = ""
    cert_data: str = ""
    key_data: str = ""
    token: str = ""
    insecure: bool = False

    def __repr__(self) -> str:
        return f"KubeContext(name={self.name!r}, server={self.server!r}, ...)"


@dataclass(frozen=True)
class Kubeconfig:
    """A kubeconfig file read as YAML; relative file references resolve against ``base``."""

    raw: dict[str, Any]
    base: Path

    @classmethod
    def load(cls, explicit: str | None) -> Kubeconfig:
        path = Path(kubeconfig_path(explicit) or Path.home() / ".kube" / "config")
        try:
            raw = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"cannot read kubeconfig {path}: {error}") from error
        if not isinstance(raw, dict):
            raise ConfigError(f"kubeconfig {path}: not a mapping")
        return cls(raw=raw, base=path.parent)

    def context_name(self, explicit: str | None = None) -> str:
        name = explicit or str(self.raw.get("current-context") or "")
        if not name:
            raise ConfigError("kubeconfig has no current-context; name one")
        return name

    def context(self, explicit: str | None = None) -> KubeContext:
        name = self.context_name(explicit)
        context = _named(self.raw.get("contexts"), name, "context", "context")
        cluster_name = str(context.get("cluster") or "")
        user_name = str(context.get("user") or "")
        cluster = _named(self.raw.get("clusters"), cluster_name, "cluster", f"context {name}")
        user = _named(self.raw.get("users"), user_name, "user", f"context {name}", optional=True)
        if user.get("exec") or user.get("auth-provider"):
            raise ConfigError(
                f"context {name}: user {user_name} uses a credential plugin; "
                "only certificates and tokens can be stored in a cluster Secret"
            )
        if not cluster.get("server"):
            raise ConfigError(f"context {name}: cluster {cluster_name} has no server")
        return KubeContext(
            name=name,
            cluster_name=cluster_name,
            user_name=user_name,
            server=str(cluster["server"]).rstrip("/"),
            ca_data=self._data(cluster, "certificate-authority"),
            cert_data=self._data(user, "client-certificate"),
            key_data=self._data(user, "client-key"),
            token=str(user.get("token") or "") or self._token_file(user),
            insecure=bool(cluster.get("insecure-skip-tls-verify", False)),
        )

    def _data(self, entry: dict[str, Any], field: str) -> str:
        """``<field>-data`` as given, else the file ``<field>`` read and base64-encoded."""
        if entry.get(f"{field}-data"):
            return str(entry[f"{field}-data"])
        if not entry.get(field):
            return ""
        return base64.b64encode(self._read(str(entry[field]), field)).decode()

    def _token_file(self, user: dict[str, Any]) -> str:
        if not user.get("tokenFile"):
            return ""
        return self._read(str(user["tokenFile"]), "tokenFile").decode().strip()

    def _read(self, reference: str, field: str) -> bytes:
        path = Path(reference)
        path = path if path.is_absolute() else self.base / path
        try:
            return path.read_bytes()
        except OSError as error:
            raise ConfigError(f"kubeconfig {field} {path}: {error.strerror}") from error


def _named(
    items: Any, name: str, field: str, where: str, *, optional: bool = False
) -> dict[str, Any]:
    for item in items or []:
        if isinstance(item, dict) and item.get("name") == name:
            value = item.get(field) or {}
            return value if isinstance(value, dict) else {}
    if optional:
        return {}
    raise ConfigError(f"{where}: no {field} named {name!r} in the kubeconfig")


def current_username(args: argparse.Namespace) -> str:
    """Who ``operation.initiatedBy`` names: the kubeconfig context's user, else ``$USER``."""
    try:
        kubeconfig = Kubeconfig.load(args.kubeconfig)
        name = kubeconfig.context_name(getattr(args, "context", None))
        context = _named(kubeconfig.raw.get("contexts"), name, "context", "context")
        user = str(context.get("user") or "")
    except ConfigError:
        user = ""
    return user or os.environ.get("USER", "") or "unknown"
