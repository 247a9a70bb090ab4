"""Every metric family gitopsd exports: its name, help text and label names.

The Application and Git families are exported twice, under gitopsd's names and (opt-in)
under Argo CD's; the two sets differ only in names, help texts and label sets (Argo CD
labels sync counts with ``dest_server`` and fetch failures with ``revision``), so each
is one :class:`FamilyNames`. The other families are gitopsd's alone. Registered by
:class:`gitopsd.metrics.Metrics` (:mod:`gitopsd.metrics.app_sets` for the twice-exported
ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

from gitopsd.metrics.families import StateGauge

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

Labels = Mapping[str, str]


@dataclass(frozen=True)
class Family:
    """One metric family: its name, help text and label names."""

    name: str
    documentation: str
    labelnames: tuple[str, ...]

    def pick(self, labels: Labels) -> dict[str, str]:
        """The values of this family's labels among ``labels``."""
        return {name: labels[name] for name in self.labelnames}

    def state_gauge(self, registry: CollectorRegistry) -> StateGauge:
        gauge = StateGauge(self.name, self.documentation, self.labelnames)
        registry.register(gauge)
        return gauge

    def counter(self, registry: CollectorRegistry) -> Counter:
        return Counter(self.name, self.documentation, self.labelnames, registry=registry)

    def histogram(self, registry: CollectorRegistry, buckets: tuple[float, ...]) -> Histogram:
        return Histogram(
            self.name, self.documentation, self.labelnames, buckets=buckets, registry=registry
        )


@dataclass(frozen=True)
class FamilyNames:
    """How one set names, documents and labels the families both sets carry."""

    app_info: Family
    orphaned: Family
    sync: Family
    reconcile: Family
    git_requests: Family
    git_duration: Family
    git_fetch_failures: Family


GITOPSD = FamilyNames(
    app_info=Family("gitopsd_app_info", "Information about an Application; always 1.", _APP_INFO),
    orphaned=Family(
        # Not "..._count": Prometheus reserves that suffix for histograms and summaries.
        "gitopsd_app_orphaned_resources",
        "Resources in the destination namespace that no Application tracks.",
        _APP,
    ),
    sync=Family(
        "gitopsd_app_sync_total", "Completed sync operations.", (*_APP, "phase", "dry_run")
    ),
    reconcile=Family(
        "gitopsd_app_reconcile_seconds",
        "Time one Application reconciliation pass took.",
        ("namespace", "dest_server"),
    ),
    git_requests=Family(
        "gitopsd_git_request_total", "Git requests to remotes.", ("repo", "request_type")
    ),
    git_duration=Family(
        "gitopsd_git_request_duration_seconds",
        "Time Git requests to remotes took.",
        ("repo", "request_type"),
    ),
    git_fetch_failures=Family("gitopsd_git_fetch_fail_total", "Failed Git fetches.", ("repo",)),
)

# The opt-in metrics named and labelled exactly as Argo CD names and labels them.
ARGOCD = FamilyNames(
    app_info=Family(
        "argocd_app_info",
        "One series per Application carrying its state as labels; always 1.",
        _ARGOCD_APP_INFO,
    ),
    orphaned=Family(
        "argocd_app_orphaned_resources_count",
        "Untracked resources in each Application's destination namespace.",
        _APP,
    ),
    sync=Family(
        "argocd_app_sync_total",
        "Sync operations that reached a final phase.",
        (*_APP, "dest_server", "phase", "dry_run"),
    ),
    reconcile=Family(
        "argocd_app_reconcile",
        "Duration of Application reconciliation passes, in seconds.",
        ("namespace", "dest_server"),
    ),
    git_requests=Family(
        "argocd_git_request_total", "Requests made to Git remotes.", ("repo", "request_type")
    ),
    git_duration=Family(
        "argocd_git_request_duration_seconds",
        "Duration of requests made to Git remotes, in seconds.",
        ("repo", "request_type"),
    ),
    git_fetch_failures=Family(
        "argocd_git_fetch_fail_total", "Git fetches that failed.", ("repo", "revision")
    ),
)


# --- gitopsd's alone -----------------------------------------------------------------------
CLUSTER_INFO = Family(
    "gitopsd_cluster_info",
    "A registered cluster and its connection status; always 1.",
    ("server", "name", "connection_status"),
)
CONFIG_INVALID = Family(
    "gitopsd_config_invalid",
    "1 while the latest version of a ConfigMap is refused (its last good "
    "configuration stays in use), else 0.",
    ("configmap",),
)
K8S_REQUESTS = Family(
    "gitopsd_app_k8s_request_total",
    "Kubernetes API requests made while reconciling Applications.",
    ("verb", "resource_kind", "response_code"),
)
WEBHOOK_REQUESTS = Family(
    "gitopsd_webhook_requests_total",
    "Webhook requests received, by provider and outcome.",
    ("provider", "result"),
)
DRIFT = Family(
    "gitopsd_app_drift_total",
    "Live objects found different from Git (and healed when selfHeal is on).",
    (*_APP[:2], "kind"),
)
HANDOVERS = Family(
    "gitopsd_shard_handovers_total",
    "Applications this replica took over from others (gained) or handed over (lost).",
    ("replica", "direction"),
)
