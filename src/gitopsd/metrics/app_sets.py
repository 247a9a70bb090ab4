"""The Application and Git families, as one set (gitopsd's, or Argo CD's) names them.

An :class:`AppMetricSet` registers the families of one :class:`FamilyNames` and takes
every update as a mapping holding the labels of either set, each family keeping the ones
it declares, so :class:`gitopsd.metrics.Metrics` sends each update to every set alike.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from gitopsd.metrics.names import GIT_REQUEST_BUCKETS, RECONCILE_BUCKETS, FamilyNames, Labels

# Phases pre-created at 0 when an app is first seen, so the first failure shows in
# increase() instead of being the invisible first sample of a new series.
_FAILURE_PHASES = ("Failed", "Error")


class AppMetricSet:
    """The families of ``names``, registered in ``registry``.

    Every update takes the labels of either set; each family keeps its own.
    """

    def __init__(self, registry: CollectorRegistry, names: FamilyNames) -> None:
        self.names = names
        self.app_info = names.app_info.state_gauge(registry)
        self.orphaned = names.orphaned.state_gauge(registry)
        self.sync = names.sync.counter(registry)
        self.reconcile = names.reconcile.histogram(registry, RECONCILE_BUCKETS)
        self.git_requests = names.git_requests.counter(registry)
        self.git_duration = names.git_duration.histogram(registry, GIT_REQUEST_BUCKETS)
        self.git_fetch_failures = names.git_fetch_failures.counter(registry)

    def set_app(self, key: tuple[str, str], labels: Labels) -> None:
        """``labels`` (every info label of either set) become the app's only info series."""
        self.app_info.set(key, self.names.app_info.pick(labels))
        for phase in _FAILURE_PHASES:
            failed = {**labels, "phase": phase, "dry_run": "false"}
            self.sync.labels(**self.names.sync.pick(failed))

    def forget_app(self, key: tuple[str, str]) -> None:
        self.app_info.remove(key)
        self.orphaned.remove(key)
        self.sync.remove_by_labels({"namespace": key[0], "name": key[1]})

    def record_sync(self, labels: Labels) -> None:
        self.sync.labels(**self.names.sync.pick(labels)).inc()

    def observe_reconcile(self, labels: Labels, seconds: float) -> None:
        self.reconcile.labels(**self.names.reconcile.pick(labels)).observe(seconds)

    def set_orphaned(self, key: tuple[str, str], labels: Labels, count: int) -> None:
        self.orphaned.set(key, self.names.orphaned.pick(labels), float(count))

    def record_git_request(self, labels: Labels, seconds: float) -> None:
        self.git_requests.labels(**self.names.git_requests.pick(labels)).inc()
        self.git_duration.labels(**self.names.git_duration.pick(labels)).observe(seconds)

    def count_git_fetch_failure(self, labels: Labels) -> None:
        self.git_fetch_failures.labels(**self.names.git_fetch_failures.pick(labels)).inc()
