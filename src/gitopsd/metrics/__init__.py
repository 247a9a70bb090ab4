"""Prometheus metrics in a registry of gitopsd's own.

The operator creates one :class:`Metrics` at start-up, passes it to every component that
reports something, and serves it with :func:`serve_metrics`. Components call its methods;
none of them imports ``prometheus_client``.
"""

from gitopsd.metrics.redact import strip_credentials
from gitopsd.metrics.registry import (
    AppState,
    ConnectionStatus,
    GitRequestType,
    Metrics,
    ShardState,
)
from gitopsd.metrics.serving import BackgroundHTTPServer, serve_metrics

__all__ = [
    "AppState",
    "BackgroundHTTPServer",
    "ConnectionStatus",
    "GitRequestType",
    "Metrics",
    "ShardState",
    "serve_metrics",
    "strip_credentials",
]
