"""Starting ``gitopsd server``: logging, the cluster client, the Secrets it owns, the
watch caches, then the HTTP server. Called by :mod:`gitopsd.cli.server`.

The server keeps no state of its own: everything it knows comes from the Kubernetes API
through the caches, so any number of replicas can run behind one Service.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

from aiohttp import web

from gitopsd.cluster import KubeCluster, default_client
from gitopsd.config import ServerSettings, default_server_cache_dir
from gitopsd.errors import ClusterError
from gitopsd.server.api.app import build_app
from gitopsd.server.audit import Audit
from gitopsd.server.authz import Authorizer
from gitopsd.server.caches import Caches
from gitopsd.server.context import ServerContext
from gitopsd.server.logs import configure_logging
from gitopsd.server.ratelimit import SignInLimiter, SignInLimits
from gitopsd.server.secrets import ensure_server_secrets
from gitopsd.server.targets import TargetStates
from gitopsd.source import credentials_from_secrets

log = logging.getLogger(__name__)
CACHE_READY_SECONDS = 60.0


def build_context(settings: ServerSettings, cluster: KubeCluster) -> ServerContext:
    caches = Caches(cluster, settings.namespace)
    limits = SignInLimits(
        per_second=settings.login_per_second,
        burst=settings.login_burst,
        max_failures=settings.login_max_failures,
        failure_window_seconds=settings.login_failure_window_seconds,
    )
    cache_dir = Path(settings.cache_dir) if settings.cache_dir else default_server_cache_dir()
    return ServerContext(
        settings=settings,
        cluster=cluster,
        caches=caches,
        authorizer=Authorizer(caches.rbac, caches.projects),
        limiter=SignInLimiter(limits, time.monotonic),
        audit=Audit(cluster, lambda: dt.datetime.now(dt.UTC)),
        targets=TargetStates(
            cluster, cache_dir, lambda: credentials_from_secrets(caches.repositories.items())
        ),
    )


def _bootstrap(cluster: KubeCluster, namespace: str) -> None:
    """Create the signing key and initial admin password, retrying while the API server
    is not reachable yet (a Pod can start before its network is ready)."""
    delay = 0.5
    deadline = time.monotonic() + 120
    while True:
        try:
            ensure_server_secrets(cluster, namespace, dt.datetime.now(dt.UTC))
            return
        except ClusterError as error:
            if time.monotonic() > deadline:
                raise
            log.warning("initialising the server's Secrets: %s; retrying", error)
            time.sleep(delay)
            delay = min(delay * 2, 10.0)


def run(settings: ServerSettings, *, log_level: str = "INFO") -> int:
    configure_logging(settings.log_format, log_level)
    cluster = KubeCluster(default_client(settings.kubeconfig))
    _bootstrap(cluster, settings.namespace)
    ctx = build_context(settings, cluster)
    ctx.caches.start()
    waiting = ctx.caches.wait_ready(CACHE_READY_SECONDS)
    if waiting:
        log.warning("serving before these caches are filled: %s", "; ".join(waiting))
    log.info(
        "gitopsd server for namespace %s listening on %s:%d",
        settings.namespace,
        settings.address,
        settings.port,
    )
    web.run_app(
        build_app(ctx),
        host=settings.address,
        port=settings.port,
        access_log=None,
        print=None,
        handle_signals=True,
    )
    ctx.caches.stop()
    return 0
