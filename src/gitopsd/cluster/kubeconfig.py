"""Kubeconfig contexts read with the Kubernetes client's own loader.

``gitopsd cluster add`` copies a context's server and credentials into a cluster Secret,
and the CLI names the context's user in ``operation.initiatedBy``. Both read the file the
way ``kubectl`` and the client do: ``KubeConfigMerger`` merges a ``KUBECONFIG``-style list
of files (the first definition of a name wins), and ``FileOrData`` resolves
``certificate-authority``/``-data``, ``client-certificate``, ``client-key`` and
``tokenFile``/``token`` with relative paths taken from the file that defined the entry.
Contexts whose user runs a credential plugin (``exec``, ``auth-provider``) are refused:
their tokens are short-lived and cannot be stored. Called by ``gitopsd.cli``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from kubernetes.config import ConfigException, kube_config

from gitopsd.errors import ConfigError
from gitopsd.model.yaml_loader import YAMLError


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


def context_user(path: str | None, context: str | None = None) -> str:
    """The user name of ``context`` (default: the current context)."""
    config = _load(path)
    name = _context_name(config, context)
    return str(_named(config, "contexts", name, "context", "context").get("user") or "")


def read_context(path: str | None, context: str | None = None) -> KubeContext:
    """``context`` (default: the current one) with its credentials as base64 data.

    Raises ConfigError naming what is missing, unreadable or not storable."""
    config = _load(path)
    name = _context_name(config, context)
    entry = _named(config, "contexts", name, "context", "context")
    cluster_name = str(entry.get("cluster") or "")
    user_name = str(entry.get("user") or "")
    cluster = _named(config, "clusters", cluster_name, "cluster", f"context {name}")
    user = _named(config, "users", user_name, "user", f"context {name}", optional=True)
    if "exec" in user or "auth-provider" in user:
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
        ca_data=_data(cluster, "certificate-authority"),
        cert_data=_data(user, "client-certificate"),
        key_data=_data(user, "client-key"),
        token=_data(user, "tokenFile", "token", encoded=False).strip(),
        insecure=bool(cluster.get("insecure-skip-tls-verify", False)),
    )


class _Entry(dict[str, Any]):
    """A kubeconfig entry's fields, and the file that defined it (for relative paths)."""

    def __init__(self, fields: Any, source: str | None) -> None:
        super().__init__(fields if isinstance(fields, dict) else {})
        self.base = os.path.dirname(os.path.abspath(source)) if source else ""


def _load(path: str | None) -> Any:
    location = path or kube_config.KUBE_CONFIG_DEFAULT_LOCATION
    try:
        config = kube_config.KubeConfigMerger(location).config
    except (ConfigException, OSError, YAMLError) as error:
        raise ConfigError(f"cannot read kubeconfig {location}: {error}") from error
    if config is None:
        raise ConfigError(f"cannot read kubeconfig {location}: no such file")
    return config


def _context_name(config: Any, explicit: str | None) -> str:
    name = explicit or str(config.safe_get("current-context") or "")
    if not name:
        raise ConfigError("kubeconfig has no current-context; name one")
    return name


def _named(
    config: Any, section: str, name: str, field: str, where: str, *, optional: bool = False
) -> _Entry:
    """The ``field`` mapping of the entry called ``name`` in ``section``."""
    for item in config.safe_get(section) or []:
        value = getattr(item, "value", item)
        if isinstance(value, dict) and value.get("name") == name:
            return _Entry(value.get(field), getattr(item, "path", None))
    if optional:
        return _Entry({}, None)
    raise ConfigError(f"{where}: no {field} named {name!r} in the kubeconfig")


def _data(entry: _Entry, field: str, data_field: str | None = None, *, encoded: bool = True) -> str:
    """``<field>-data`` (or ``data_field``) as written, else the file ``<field>`` names,
    read (base64-encoded unless ``encoded`` is False) by the client's ``FileOrData``."""
    source = kube_config.FileOrData(
        entry, field, data_field, file_base_path=entry.base, base64_file_content=encoded
    )
    try:
        return str(source.as_data() or "")
    except OSError as error:
        path = os.path.normpath(os.path.join(entry.base, str(entry.get(field))))
        raise ConfigError(f"kubeconfig {field} {path}: {error.strerror}") from error
