"""Building kubernetes ``ApiClient``s from a kubeconfig, the in-cluster service account, or
an Argo CD-style cluster Secret (server, bearer token, TLS client config).

Called by the operator and the CLI at start-up and when cluster Secrets change.
"""

from __future__ import annotations

import base64
import os
import tempfile
from dataclasses import dataclass

from kubernetes import client, config

from gitopsd.errors import ConfigError

# Kept connections per API server. The client's default (5 per CPU) is 10 on two cores,
# fewer than a controller's workers, their parallel reads and its watch streams use at
# once; past it, urllib3 opens a connection (a TLS handshake) per request and drops it.
CONNECTIONS_PER_SERVER = 32


def _client(configuration: client.Configuration) -> client.ApiClient:
    configuration.connection_pool_maxsize = CONNECTIONS_PER_SERVER
    return client.ApiClient(configuration)


@dataclass(frozen=True)
class ClusterCredentials:
    """What a cluster Secret's ``config`` holds (Argo CD's shape). Never printed."""

    server: str
    bearer_token: str = ""
    ca_data: str = ""  # base64 PEM
    cert_data: str = ""  # base64 PEM
    key_data: str = ""  # base64 PEM
    insecure: bool = False

    def __repr__(self) -> str:
        return f"ClusterCredentials(server={self.server!r}, ...)"


def from_kubeconfig(path: str | None = None, context: str | None = None) -> client.ApiClient:
    """An ApiClient for ``path`` (default: $KUBECONFIG or ~/.kube/config)."""
    configuration = client.Configuration()
    try:
        config.load_kube_config(
            config_file=path, context=context, client_configuration=configuration
        )
    except (config.ConfigException, OSError, TypeError) as error:
        raise ConfigError(f"cannot load kubeconfig {path or '(default)'}: {error}") from error
    return _client(configuration)


def in_cluster() -> client.ApiClient:
    configuration = client.Configuration()
    try:
        config.load_incluster_config(client_configuration=configuration)
    except config.ConfigException as error:
        raise ConfigError(f"not running in a cluster: {error}") from error
    return _client(configuration)


def default_client(kubeconfig: str | None = None) -> client.ApiClient:
    """In-cluster config when running in a Pod and no kubeconfig was given."""
    if (
        kubeconfig is None
        and os.environ.get("KUBERNETES_SERVICE_HOST")
        and not os.environ.get("KUBECONFIG")
    ):
        return in_cluster()
    return from_kubeconfig(kubeconfig)


def from_credentials(creds: ClusterCredentials) -> client.ApiClient:
    """An ApiClient for a registered cluster. PEM material goes to private temp files
    because urllib3 only reads certificates from files."""
    configuration = client.Configuration()
    configuration.host = creds.server.rstrip("/")
    if creds.bearer_token:
        configuration.api_key = {"authorization": f"Bearer {creds.bearer_token}"}
    configuration.verify_ssl = not creds.insecure
    if creds.ca_data:
        configuration.ssl_ca_cert = _pem_file(creds.ca_data, "ca")
    if creds.cert_data:
        configuration.cert_file = _pem_file(creds.cert_data, "cert")
    if creds.key_data:
        configuration.key_file = _pem_file(creds.key_data, "key")
    return _client(configuration)


def _pem_file(b64: str, what: str) -> str:
    try:
        data = base64.b64decode(b64, validate=True)
    except ValueError as error:
        raise ConfigError(f"cluster tlsClientConfig.{what}Data is not valid base64") from error
    handle, path = tempfile.mkstemp(prefix=f"gitopsd-{what}-", suffix=".pem")
    with os.fdopen(handle, "wb") as file:
        file.write(data)
    os.chmod(path, 0o600)
    return path
