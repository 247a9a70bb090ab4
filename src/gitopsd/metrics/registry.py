"""Every Prometheus metric gitopsd exposes, behind intention-revealing methods.

The operator, the source adapter, the cluster adapter and the webhook receiver each hold
the one :class:`Metrics` instance and call its methods (``record_sync``,
``observe_reconcile``, ...); nothing else in gitopsd touches ``prometheus_client``. The
metrics live in a registry of their own, never the library's global one, so two
instances (tests, several controllers in one process) do not collide.

With ``argocd_compat=True`` the same calls also feed the metric names and label sets Argo
CD's application controller and repo server expose, so existing dashboards and alerts
(``argocd_app_info{sync_status="OutOfSync"} == 1``) keep working unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gitopsd.metrics.families import StateGauge, WithoutCreatedSeries
from gitopsd.metrics.redact import strip_credentials

# Argo CD's reconcile buckets, chosen there around a ~2 s mean reconcile time.
RECONCILE_BUCKETS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
GIT_REQUEST_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 20.0)

_APP = ("namespace", "name", "project")
_APP_INFO = (
    *_APP,
    "replica",
    "repo",
    "dest_server",
    "dest_namespace",
    "sync_status",
    "health_status",
    "autosync_enabled",
)
_ARGOCD_APP_INFO = (*(n for n in _APP_INFO if n != "replica"), "operation")
# Phases pre-created at 0 when an app is first seen, so the first failure shows in
# increase() instead of being the invisible first sample of a new series.
_FAILURE_PHASES = ("Failed", "Error")


class GitRequestType(StrEnum):
    LS_REMOTE = "ls-remote"
    FETCH = "fetch"


class ConnectionStatus(StrEnum):
    """A cluster's connection state, spelled as Argo CD spells it."""

    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    UNKNOWN = "Unknown"


@dataclass(frozen=True)
class AppState:
    """What ``*_app_info`` reports about one Application; replaced whole on every change.

    ``operation`` is Argo CD's label: ``sync`` while a sync operation is requested,
    ``delete`` while the Application is being deleted, empty otherwise.
    """

    namespace: str
    name: str
    project: str
    repo: str
    dest_server: str
    dest_namespace: str
    sync_status: str
    health_status: str
    autosync_enabled: bool
    operation: str = ""


@dataclass(frozen=True)
class ShardState:
    """This replica's part in sharding, read at every scrape."""

    members: int  # live members in the view this replica has published
    applications: int  # Applications it may act on now
    appsets: int  # ApplicationSets it may act on now
    lease_valid: bool  # renewed within the renew deadline
    refused_writes: int  # writes refused because it did not own the object's app


class _ShardCollector(Collector):
    """``gitopsd_shard_*``, computed from the live membership when scraped."""

    def __init__(self, replica: str, state: Callable[[], ShardState]) -> None:
        self.replica = replica
        self.state = state

    def describe(self) -> Iterable[Metric]:
        return []  # computed at scrape time; nothing to check at registration

    def collect(self) -> Iterable[Metric]:
        state = self.state()
        members = GaugeMetricFamily(
            "gitopsd_shard_members",
            "Live controller replicas in the membership this replica acts on.",
            labels=["replica"],
        )
        members.add_metric([self.replica], state.members)
        owned = GaugeMetricFamily(
            "gitopsd_shard_owned",
            "Applications and ApplicationSets this replica may act on now.",
            labels=["replica", "kind"],
        )
        owned.add_metric([self.replica, "Application"], state.applications)
        owned.add_metric([self.replica, "ApplicationSet"], state.appsets)
        valid = GaugeMetricFamily(
            "gitopsd_shard_lease_valid",
            "1 while this replica renewed its Lease within the renew deadline, else 0.",
            labels=["replica"],
        )
        valid.add_metric([self.replica], 1.0 if state.lease_valid else 0.0)
        refused = CounterMetricFamily(
            "gitopsd_shard_writes_refused",
            "Writes refused before they were sent: the Application or ApplicationSet "
            "was not this replica's to act on at that moment.",
            labels=["replica"],
        )
        refused.add_metric([self.replica], state.refused_writes)
        return [members, owned, valid, refused]


class Metrics:
    """gitopsd's metrics registry; one per process, shared by every component.

    ``replica`` (with sharding: this replica's id) labels ``gitopsd_app_info`` and the
    ``gitopsd_shard_*`` metrics; empty for a single unsharded controller.
    """

    def __init__(self, *, argocd_compat: bool = False, replica: str = "") -> None:
        self.registry = CollectorRegistry()
        self.argocd_compat = argocd_compat
        self.replica = replica
        self._define_gitopsd()
        self._argocd = _ArgoCDSet(self.registry) if argocd_compat else None

    def _define_gitopsd(self) -> None:
        reg = self.registry
        self._app_info = StateGauge(
            "gitopsd_app_info", "Information about an Application; always 1.", _APP_INFO
        )
        self._orphaned = StateGauge(
            # Not "..._count": Prometheus reserves that suffix for histograms and summaries.
            "gitopsd_app_orphaned_resources",
            "Resources in the destination namespace that no Application tracks.",
            _APP,
        )
        self._cluster_info = StateGauge(
            "gitopsd_cluster_info",
            "A registered cluster and its connection status; always 1.",
            ("server", "name", "connection_status"),
        )
        self._config_invalid = StateGauge(
            "gitopsd_config_invalid",
            "1 while the latest version of a ConfigMap is refused (its last good "
            "configuration stays in use), else 0.",
            ("configmap",),
        )
        for collector in (
            self._app_info,
            self._orphaned,
            self._cluster_info,
            self._config_invalid,
        ):
            reg.register(collector)
        self._sync = Counter(
            "gitopsd_app_sync_total",
            "Completed sync operations.",
            (*_APP, "phase", "dry_run"),
            registry=reg,
        )
        self._reconcile = Histogram(
            "gitopsd_app_reconcile_seconds",
            "Time one Application reconciliation pass took.",
            ("namespace", "dest_server"),
            buckets=RECONCILE_BUCKETS,
            registry=reg,
        )
        self._k8s_requests = Counter(
            "gitopsd_app_k8s_request_total",
            "Kubernetes API requests made while reconciling Applications.",
            ("verb", "resource_kind", "response_code"),
            registry=reg,
        )
        self._git_requests = Counter(
            "gitopsd_git_request_total",
            "Git requests to remotes.",
            ("repo", "request_type"),
            registry=reg,
        )
        self._git_duration = Histogram(
            "gitopsd_git_request_duration_seconds",
            "Time Git requests to remotes took.",
            ("repo", "request_type"),
            buckets=GIT_REQUEST_BUCKETS,
            registry=reg,
        )
        self._git_fetch_failures = Counter(
            "gitopsd_git_fetch_fail_total", "Failed Git fetches.", ("repo",), registry=reg
        )
        self._webhook_requests = Counter(
            "gitopsd_webhook_requests_total",
            "Webhook requests received, by provider and outcome.",
            ("provider", "result"),
            registry=reg,
        )
        self._drift = Counter(
            "gitopsd_app_drift_total",
            "Live objects found different from Git (and healed when selfHeal is on).",
            (*_APP[:2], "kind"),
            registry=reg,
        )
        self._handovers = Counter(
            "gitopsd_shard_handovers_total",
            "Applications this replica took over from others (gained) or handed over (lost).",
            ("replica", "direction"),
            registry=reg,
        )

    # --- Sharding -----------------------------------------------------------------------

    def watch_shard(self, state: Callable[[], ShardState]) -> None:
        """Export ``gitopsd_shard_*`` from ``state``, called at every scrape."""
        self.registry.register(_ShardCollector(self.replica, state))

    def count_handovers(self, gained: int, lost: int) -> None:
        if gained:
            self._handovers.labels(self.replica, "gained").inc(gained)
        if lost:
            self._handovers.labels(self.replica, "lost").inc(lost)

    # --- Applications -------------------------------------------------------------------

    def set_app(self, state: AppState) -> None:
        """Report ``state`` as the Application's only info series (the old one goes)."""
        labels = _app_info_labels(state)
        labels["replica"] = self.replica
        self._app_info.set(_app_key(state), {n: labels[n] for n in _APP_INFO})
        for phase in _FAILURE_PHASES:
            self._sync.labels(state.namespace, state.name, state.project, phase, "false")
        if self._argocd:
            self._argocd.set_app(state, labels)

    def forget_app(self, namespace: str, name: str) -> None:
        """The Application is gone: drop every series that names it.

        Counters go too, so short-lived Applications (ApplicationSet previews) do not
        pile up series; a counter that disappears is fine for ``increase()``.
        """
        for gauge in (self._app_info, self._orphaned):
            gauge.remove((namespace, name))
        for counter in (self._sync, self._drift):
            counter.remove_by_labels({"namespace": namespace, "name": name})
        if self._argocd:
            self._argocd.forget_app((namespace, name))

    def record_sync(
        self,
        namespace: str,
        name: str,
        project: str,
        phase: str,
        *,
        dest_server: str = "",
        dry_run: bool = False,
    ) -> None:
        """Count one finished sync operation ending in ``phase`` (Succeeded, Failed, Error).

        ``dest_server`` only labels the Argo CD compatible counter; pass the same value
        as in :meth:`set_app` so it continues the series that call pre-created.
        """
        self._sync.labels(namespace, name, project, phase, _bool_label(dry_run)).inc()
        if self._argocd:
            self._argocd.sync.labels(
                namespace, name, project, dest_server, phase, _bool_label(dry_run)
            ).inc()

    def observe_reconcile(self, namespace: str, dest_server: str, seconds: float) -> None:
        self._reconcile.labels(namespace, dest_server).observe(seconds)
        if self._argocd:
            self._argocd.reconcile.labels(namespace, dest_server).observe(seconds)

    def set_orphaned_resources(self, namespace: str, name: str, project: str, count: int) -> None:
        labels = {"namespace": namespace, "name": name, "project": project}
        self._orphaned.set((namespace, name), labels, float(count))
        if self._argocd:
            self._argocd.orphaned.set((namespace, name), labels, float(count))

    def count_drift(self, namespace: str, name: str, kind: str) -> None:
        """One live object of ``kind`` was found (and maybe healed) out of line with Git."""
        self._drift.labels(namespace, name, kind).inc()

    def count_k8s_request(self, verb: str, resource_kind: str, response_code: int | str) -> None:
        self._k8s_requests.labels(verb, resource_kind, str(response_code)).inc()

    # --- Git ----------------------------------------------------------------------------

    def record_git_request(self, repo: str, request_type: GitRequestType, seconds: float) -> None:
        """Count one ``ls-remote`` or ``fetch`` against ``repo`` and its duration."""
        safe_repo = strip_credentials(repo)
        self._git_requests.labels(safe_repo, request_type).inc()
        self._git_duration.labels(safe_repo, request_type).observe(seconds)
        if self._argocd:
            self._argocd.git_requests.labels(safe_repo, request_type).inc()
            self._argocd.git_duration.labels(safe_repo, request_type).observe(seconds)

    def count_git_fetch_failure(self, repo: str, revision: str = "") -> None:
        safe_repo = strip_credentials(repo)
        self._git_fetch_failures.labels(safe_repo).inc()
        if self._argocd:
            self._argocd.git_fetch_failures.labels(safe_repo, revision).inc()

    # --- Webhook and clusters -----------------------------------------------------------

    def count_webhook_request(self, provider: str, result: str) -> None:
        self._webhook_requests.labels(provider, result).inc()

    def set_cluster(self, server: str, name: str, status: ConnectionStatus) -> None:
        """Report ``status`` as the cluster's only info series."""
        labels = {"server": strip_credentials(server), "name": name, "connection_status": status}
        self._cluster_info.set(server, labels)

    def forget_cluster(self, server: str) -> None:
        self._cluster_info.remove(server)

    # --- Configuration ------------------------------------------------------------------

    def set_config_invalid(self, configmap: str, invalid: bool) -> None:
        """Whether ``configmap``'s latest version was refused."""
        self._config_invalid.set(configmap, {"configmap": configmap}, 1.0 if invalid else 0.0)

    # --- Exposition ---------------------------------------------------------------------

    def exposition(self) -> bytes:
        """The Prometheus text format (0.0.4) of every metric, as ``/metrics`` serves it."""
        return generate_latest(WithoutCreatedSeries(self.registry))


class _ArgoCDSet:
    """The opt-in metrics named and labelled exactly as Argo CD names and labels them."""

    def __init__(self, reg: CollectorRegistry) -> None:
        self.app_info = StateGauge(
            "argocd_app_info",
            "One series per Application carrying its state as labels; always 1.",
            _ARGOCD_APP_INFO,
        )
        self.orphaned = StateGauge(
            "argocd_app_orphaned_resources_count",
            "Untracked resources in each Application's destination namespace.",
            _APP,
        )
        reg.register(self.app_info)
        reg.register(self.orphaned)
        self.sync = Counter(
            "argocd_app_sync_total",
            "Sync operations that reached a final phase.",
            (*_APP, "dest_server", "phase", "dry_run"),
            registry=reg,
        )
        self.reconcile = Histogram(
            "argocd_app_reconcile",
            "Duration of Application reconciliation passes, in seconds.",
            ("namespace", "dest_server"),
            buckets=RECONCILE_BUCKETS,
            registry=reg,
        )
        self.git_requests = Counter(
            "argocd_git_request_total",
            "Requests made to Git remotes.",
            ("repo", "request_type"),
            registry=reg,
        )
        self.git_duration = Histogram(
            "argocd_git_request_duration_seconds",
            "Duration of requests made to Git remotes, in seconds.",
            ("repo", "request_type"),
            buckets=GIT_REQUEST_BUCKETS,
            registry=reg,
        )
        self.git_fetch_failures = Counter(
            "argocd_git_fetch_fail_total",
            "Git fetches that failed.",
            ("repo", "revision"),
            registry=reg,
        )

    def set_app(self, state: AppState, labels: dict[str, str]) -> None:
        self.app_info.set(_app_key(state), {n: labels[n] for n in _ARGOCD_APP_INFO})
        for phase in _FAILURE_PHASES:
            self.sync.labels(
                state.namespace, state.name, state.project, state.dest_server, phase, "false"
            )

    def forget_app(self, key: tuple[str, str]) -> None:
        self.app_info.remove(key)
        self.orphaned.remove(key)
        self.sync.remove_by_labels({"namespace": key[0], "name": key[1]})


def _app_key(state: AppState) -> tuple[str, str]:
    return (state.namespace, state.name)


def _app_info_labels(state: AppState) -> dict[str, str]:
    """Every label either info series carries (Argo CD's set is a superset of ours)."""
    return {
        "namespace": state.namespace,
        "name": state.name,
        "project": state.project,
        "repo": strip_credentials(state.repo),
        "dest_server": state.dest_server,
        "dest_namespace": state.dest_namespace,
        "sync_status": state.sync_status,
        "health_status": state.health_status,
        "autosync_enabled": _bool_label(state.autosync_enabled),
        "operation": state.operation,
    }


def _bool_label(value: bool) -> str:
    return "true" if value else "false"
