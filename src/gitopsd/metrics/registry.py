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

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gitopsd.metrics import names
from gitopsd.metrics.app_sets import AppMetricSet
from gitopsd.metrics.families import WithoutCreatedSeries
from gitopsd.metrics.redact import strip_credentials


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
        reg = self.registry
        # Every set the Application and Git updates go to: gitopsd's, then Argo CD's.
        self._app_sets = [AppMetricSet(reg, names.GITOPSD)]
        if argocd_compat:
            self._app_sets.append(AppMetricSet(reg, names.ARGOCD))
        self._cluster_info = names.CLUSTER_INFO.state_gauge(reg)
        self._config_invalid = names.CONFIG_INVALID.state_gauge(reg)
        self._k8s_requests = names.K8S_REQUESTS.counter(reg)
        self._webhook_requests = names.WEBHOOK_REQUESTS.counter(reg)
        self._drift = names.DRIFT.counter(reg)
        self._handovers = names.HANDOVERS.counter(reg)

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
        for app_set in self._app_sets:
            app_set.set_app(_app_key(state), labels)

    def forget_app(self, namespace: str, name: str) -> None:
        """The Application is gone: drop every series that names it.

        Counters go too, so short-lived Applications (ApplicationSet previews) do not
        pile up series; a counter that disappears is fine for ``increase()``.
        """
        for app_set in self._app_sets:
            app_set.forget_app((namespace, name))
        self._drift.remove_by_labels({"namespace": namespace, "name": name})

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
        labels = {"namespace": namespace, "name": name, "project": project, "phase": phase}
        labels |= {"dest_server": dest_server, "dry_run": _bool_label(dry_run)}
        for app_set in self._app_sets:
            app_set.record_sync(labels)

    def observe_reconcile(self, namespace: str, dest_server: str, seconds: float) -> None:
        labels = {"namespace": namespace, "dest_server": dest_server}
        for app_set in self._app_sets:
            app_set.observe_reconcile(labels, seconds)

    def set_orphaned_resources(self, namespace: str, name: str, project: str, count: int) -> None:
        labels = {"namespace": namespace, "name": name, "project": project}
        for app_set in self._app_sets:
            app_set.set_orphaned((namespace, name), labels, count)

    def count_drift(self, namespace: str, name: str, kind: str) -> None:
        """One live object of ``kind`` was found (and maybe healed) out of line with Git."""
        self._drift.labels(namespace, name, kind).inc()

    def count_k8s_request(self, verb: str, resource_kind: str, response_code: int | str) -> None:
        self._k8s_requests.labels(verb, resource_kind, str(response_code)).inc()

    # --- Git ----------------------------------------------------------------------------

    def record_git_request(self, repo: str, request_type: GitRequestType, seconds: float) -> None:
        """Count one ``ls-remote`` or ``fetch`` against ``repo`` and its duration."""
        labels = {"repo": strip_credentials(repo), "request_type": request_type}
        for app_set in self._app_sets:
            app_set.record_git_request(labels, seconds)

    def count_git_fetch_failure(self, repo: str, revision: str = "") -> None:
        labels = {"repo": strip_credentials(repo), "revision": revision}
        for app_set in self._app_sets:
            app_set.count_git_fetch_failure(labels)

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
