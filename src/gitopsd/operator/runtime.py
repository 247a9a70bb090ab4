"""Everything a running controller holds, built once from ``ControllerSettings``.

The composition root: the local cluster, registered clusters, Git repositories and the
renderer, health customizations, the reconciler and its work queue, the watch on
Applications outside the control-plane namespace, the metrics and webhook servers. kopf
handlers call into it; it never imports kopf.

Where Applications may live is ``--application-namespaces`` plus gitopsd-cm's
``application.namespaces``, applied again whenever the ConfigMap changes (no restart).

With ``--sharding`` it also holds this replica's ``ShardMember`` (the membership
protocol, run by a ``MembershipLoop`` thread), the ``WriteGate`` every write of the
controller, the ApplicationSet loop and the reconciler passes through, and a
``RepoWarmer`` keeping every Application's repository fetched for takeovers. Without it
one replica owns everything and nothing is fenced.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import replace
from typing import Any

from gitopsd.appset import CheckoutRepoFiles
from gitopsd.cluster import KubeCluster, default_client
from gitopsd.config import ControllerSettings, parse_configmap
from gitopsd.errors import ClusterError, GitopsdError
from gitopsd.health import HealthAssessor, customizations_from_configmap
from gitopsd.metrics import ConnectionStatus, GitRequestType, Metrics, ShardState, serve_metrics
from gitopsd.model.annotations import (
    CONFIGMAP_NAME,
    GITOPSD_PREFIX,
    GROUP,
    REFRESH,
    SECRET_TYPE_LABEL,
    SECRET_TYPE_REPO_CREDS,
    SECRET_TYPE_REPOSITORY,
)
from gitopsd.model.keys import ResourceKey
from gitopsd.operator.app_namespaces import ApplicationWatcher, iter_applications
from gitopsd.operator.appsets import AppSetController, registered_clusters
from gitopsd.operator.audit import event_body
from gitopsd.operator.clusters import ClusterEntry, ClusterRegistry
from gitopsd.operator.controller import Controller
from gitopsd.operator.environment import ControllerEnvironment
from gitopsd.operator.pushes import app_ref, webhook_secrets
from gitopsd.operator.warming import RepoWarmer
from gitopsd.ports import SystemClock
from gitopsd.project import ApplicationNamespaces
from gitopsd.render import CachedRenderer, ManifestGenerator
from gitopsd.render.plugins import PluginRegistry, registry_from_configmap
from gitopsd.render.rendering import RenderExtensions
from gitopsd.sharding import (
    MembershipLoop,
    Ownership,
    Shard,
    ShardMember,
    Unsharded,
    WriteGate,
    application_key,
    appset_key,
)
from gitopsd.source import ChartRepositories, GitRepositories, credentials_from_secrets
from gitopsd.sync.decide import SelfHealBackoff
from gitopsd.sync.environment import ReconcileSettings
from gitopsd.sync.passes import AppEvent
from gitopsd.sync.reconciler import Reconciler
from gitopsd.webhook import (
    Provider,
    PushEvent,
    WebhookSecrets,
    WebhookServer,
    allowed_unsigned,
    match_applications,
)

log = logging.getLogger(__name__)

REFS_MAX_AGE_SECONDS = 5.0
CLUSTER_PROBE_SECONDS = 30.0


class Runtime:
    def __init__(self, settings: ControllerSettings, *, metrics: Metrics | None = None) -> None:
        self.settings = settings
        replica = settings.identity if settings.sharding else ""
        self.metrics = metrics or Metrics(argocd_compat=settings.argocd_metrics, replica=replica)
        on_request = self.metrics.count_k8s_request
        self.local = KubeCluster(default_client(settings.kubeconfig), on_request=on_request)
        self.member: ShardMember | None = None
        shard: Shard = Unsharded()
        if settings.sharding:
            self.member = shard = ShardMember(
                self.local,
                settings.namespace,
                settings.identity,
                timing=settings.lease_timing,
                on_change=self._ownership_changed,
            )
        self.gate = WriteGate(shard)
        self.clusters = ClusterRegistry(
            self.local,
            make_cluster=lambda creds: _remote(creds, on_request),
            on_added=self._cluster_added,
        )
        # One ls-remote answer per repository is shared for a few seconds, so a poll over
        # many applications of one repository costs one call; webhooks drop it at once.
        self.repos = GitRepositories(
            settings.cache_dir / "git",
            refs_max_age_seconds=REFS_MAX_AGE_SECONDS,
            on_request=self._git_request,
        )
        # Chart indexes are shared the same way; archives are cached by digest on disk.
        self.charts = ChartRepositories(
            settings.cache_dir, index_max_age_seconds=REFS_MAX_AGE_SECONDS
        )
        self.renderer = CachedRenderer(extensions=RenderExtensions(charts=self.charts))
        self.manifests = ManifestGenerator(self.repos, self.renderer, self.charts)
        self.env = ControllerEnvironment(
            self.clusters,
            self.manifests,
            HealthAssessor(),
            self.repos,
            self.charts,
            gate=self.gate,
        )
        clock = SystemClock()
        scope = ApplicationNamespaces(settings.namespace, settings.application_namespaces)
        self.reconciler = Reconciler(
            self.env,
            clock,
            ReconcileSettings(
                self_heal_backoff=SelfHealBackoff(
                    settings.self_heal_initial_seconds,
                    settings.self_heal_factor,
                    settings.self_heal_max_seconds,
                ),
                app_namespaces=scope,
                operation_timeout_seconds=settings.operation_timeout_seconds,
            ),
        )
        self.controller = Controller(
            self.local,
            self.reconciler,
            clock=clock,
            metrics=self.metrics,
            interval_seconds=settings.reconcile_interval_seconds,
            jitter=settings.reconcile_jitter,
            workers=settings.workers,
            scope=scope,
            gate=self.gate,
        )
        self.app_watcher = ApplicationWatcher(self.local, self.application_event)
        self.appsets = AppSetController(
            self.local,
            repos=CheckoutRepoFiles(self.repos.resolve, self.repos.checkout),
            clusters=lambda: registered_clusters(self.clusters),
            clock=clock,
            interval_seconds=settings.reconcile_interval_seconds,
            gate=self.gate,
        )
        self.warmer: RepoWarmer | None = None
        self._membership: MembershipLoop | None = None
        if self.member is not None:
            self.warmer = RepoWarmer(
                self.repos,
                self.env,
                lambda: self.controller.scope,
                lambda: iter_applications(self.local, self.controller.scope),
                interval_seconds=settings.reconcile_interval_seconds,
            )
            self._membership = MembershipLoop(self.member)
            self.metrics.watch_shard(self._shard_state)
        self._repo_secrets: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._servers: list[Any] = []
        self._webhook: WebhookServer | None = None
        self._allow_unsigned: frozenset[Provider] = frozenset()
        self._stopping = threading.Event()

    # --- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        # Settings first, so no pass runs with defaults before gitopsd-cm is seen.
        self.configure_from(self._configmap(), requeue=False)
        # Also when gitopsd-cm was unreadable: the flag's namespaces are watched regardless.
        self.app_watcher.configure(self.controller.scope)
        if self._membership is not None:
            self._membership.start()
            log.info("sharding: replica %s joins", self.settings.identity)
        if self.warmer is not None:
            self.warmer.start()
        self.controller.start()
        self.appsets.start()
        self.controller.watcher_for(self.clusters.local.server, self.local)
        self.metrics.set_cluster(self.local.host, "in-cluster", ConnectionStatus.SUCCESSFUL)
        if self.settings.metrics_port >= 0:
            self._servers.append(
                serve_metrics(self.metrics, self.settings.metrics_port, health=lambda: True)
            )
        if self.settings.webhook_port >= 0:
            server = WebhookServer(
                self._webhook_secrets(),
                self.on_push,
                port=self.settings.webhook_port,
                metrics=self.metrics,
                allow_unsigned=self._allow_unsigned,
            )
            server.start()
            self._servers.append(server)
            self._webhook = server
        threading.Thread(target=self._probe_clusters, name="cluster-probe", daemon=True).start()
        log.info("gitopsd controller started in namespace %s", self.settings.namespace)

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self.app_watcher.stop()
        self.controller.stop()
        self.appsets.stop()
        if self.warmer is not None:
            self.warmer.stop()
        if self._membership is not None:
            # After the queues closed: leaving waits for writes under way, then releases
            # the Lease, so the others take this replica's share at once.
            self._membership.stop()
        for server in self._servers:
            server.stop()

    # --- sharding -------------------------------------------------------------------
    def application_event(self, event_type: str, app: dict[str, Any]) -> bool:
        """An Application event (its metadata) from the Application watches."""
        changed = self.controller.on_application_event(event_type, app)
        # A generated Application edited or deleted by hand: its ApplicationSet repairs it.
        meta = app.get("metadata") or {}
        for owner in meta.get("ownerReferences") or []:
            if changed and owner.get("kind") == "ApplicationSet":
                self.appsets.enqueue(str(meta.get("namespace")), str(owner.get("name")), 1.0)
        return changed

    def _ownership_changed(self, before: Ownership, after: Ownership) -> None:
        gained, lost = self.controller.on_ownership(before, after)
        self.appsets.on_ownership(before, after)
        self.metrics.count_handovers(gained, lost)

    def _shard_state(self) -> ShardState:
        member = self.member
        assert member is not None
        apps = [k for k in self.controller.known.listed() if member.owns(application_key(*k))]
        appsets = [k for k in self.appsets.known() if member.owns(appset_key(*k))]
        return ShardState(
            members=len(member.ownership.members),
            applications=len(apps),
            appsets=len(appsets),
            lease_valid=member.ownership.valid(
                time.monotonic(), member.timing.renew_deadline_seconds
            ),
            refused_writes=self.gate.refusals,
        )

    def _probe_clusters(self) -> None:
        """Every registered cluster's connection status, for ``gitopsd_cluster_info``."""
        while not self._stopping.wait(CLUSTER_PROBE_SECONDS):
            for entry in self.clusters.entries():
                try:
                    entry.cluster.request("GET", "/version", what="probe", timeout=5.0)
                    status = ConnectionStatus.SUCCESSFUL
                except ClusterError:
                    status = ConnectionStatus.FAILED
                server = self.local.host if entry is self.clusters.local else entry.server
                self.metrics.set_cluster(server, entry.name, status)

    # --- inputs from handlers --------------------------------------------------------
    def requeue_all(self) -> None:
        for namespace, name in self.controller.known.listed():
            self.controller.enqueue(namespace, name, 0.1, background=True)

    def cluster_secret(self, body: dict[str, Any], *, deleted: bool) -> None:
        name = str((body.get("metadata") or {}).get("name"))
        if deleted:
            self.clusters.remove_secret(name)
            self.appsets.requeue_all()
            return
        try:
            self.clusters.upsert_secret(body)
        except GitopsdError as error:
            log.warning("cluster Secret %s: %s", name, error)
            return
        self.requeue_all()
        self.appsets.requeue_all()

    def repo_secret(self, body: dict[str, Any], *, deleted: bool) -> None:
        name = str((body.get("metadata") or {}).get("name"))
        with self._lock:
            if deleted:
                self._repo_secrets.pop(name, None)
            else:
                self._repo_secrets[name] = body
            secrets = list(self._repo_secrets.values())
        try:
            store = credentials_from_secrets(secrets)
        except GitopsdError as error:
            log.warning("repository Secret %s: %s", name, error)
            return
        for problem in store.problems:  # Secret names and redacted URLs only
            log.warning("repository credentials: %s", problem)
        self.repos.set_credentials(store)
        self.charts.set_credentials(store)

    def _configmap(self) -> dict[str, Any] | None:
        key = ResourceKey("", "ConfigMap", self.settings.namespace, CONFIGMAP_NAME)
        try:
            return self.local.get(key)
        except ClusterError as error:
            log.warning("gitopsd-cm: %s", error)
            return None

    def configure_from(self, configmap: dict[str, Any] | None, *, requeue: bool = True) -> None:
        """Apply gitopsd-cm. A ConfigMap with a bad entry is refused whole: the last good
        configuration stays in use, and the refusal is reported (a Warning event on the
        ConfigMap, ``gitopsd_config_invalid``, a condition on every Application)."""
        try:
            settings = parse_configmap((configmap or {}).get("data"))
            assessor = HealthAssessor(customizations_from_configmap(configmap or {}))
            unsigned = allowed_unsigned(settings.raw)
            timing = settings.lease_timing(self.settings.lease_timing)
        except GitopsdError as error:
            self._refuse_configmap(configmap, str(error))
            if requeue:
                self.requeue_all()
            return
        try:
            plugins = registry_from_configmap(settings.raw)
        except GitopsdError as error:  # fail closed: no plugin runs, other settings apply
            log.warning("gitopsd-cm: plugins disabled: %s", error)
            plugins = PluginRegistry()
        self.env.set_assessor(assessor)
        self.renderer.set_extensions(replace(self.renderer.extensions, plugins=plugins))
        if self.member is not None and timing != self.member.timing:
            self.member.set_timing(timing)
            log.info("sharding: Lease times now %s", timing)
        self._allow_unsigned = unsigned
        if self._webhook is not None:
            self._webhook.receiver.allow_unsigned(unsigned)
        scope = self._scope(settings.application_namespaces)
        self.reconciler.settings = dataclasses.replace(
            self.reconciler.settings,
            global_ignore_differences=settings.global_ignore_differences,
            resource_filters=settings.resource_filters,
            app_namespaces=scope,
            config_problems=(),
        )
        self.metrics.set_config_invalid(CONFIGMAP_NAME, False)
        self.controller.set_scope(scope)
        self.app_watcher.configure(scope)
        if settings.reconciliation_seconds:
            self.controller.interval = settings.reconciliation_seconds
        if requeue:
            self.requeue_all()

    def _scope(self, from_configmap: tuple[str, ...]) -> ApplicationNamespaces:
        """The flag's namespaces and gitopsd-cm's, in that order, without repeats."""
        enabled = dict.fromkeys((*self.settings.application_namespaces, *from_configmap))
        return ApplicationNamespaces(self.settings.namespace, tuple(enabled))

    def _refuse_configmap(self, configmap: dict[str, Any] | None, problem: str) -> None:
        message = f"{problem} (the last good configuration stays in use)"
        log.warning("%s", message)
        self.reconciler.settings = dataclasses.replace(
            self.reconciler.settings, config_problems=(message,)
        )
        self.metrics.set_config_invalid(CONFIGMAP_NAME, True)
        if configmap is not None:
            event = AppEvent("Warning", "InvalidConfiguration", message)
            self.local.create_event(event_body(configmap, event, SystemClock().now()))

    # --- webhook --------------------------------------------------------------------
    def on_push(self, event: PushEvent) -> list[str]:
        """Refresh the Applications a push concerns. With sharding the push reaches one
        replica (the webhook Service picks one): Applications owned elsewhere get the
        refresh annotation, which their owner sees, as Argo CD's webhook handler does."""
        for url in event.repo_urls:
            self.repos.forget_refs(url)
        refs = [app_ref(app) for app in iter_applications(self.local, self.controller.scope)]
        matched = match_applications(event, refs)
        for ref in matched:
            if self.controller.assigned((ref.namespace, ref.name)):
                self.controller.enqueue(ref.namespace, ref.name, urgent=True)
            else:
                self._ask_owner_to_refresh(ref.namespace, ref.name)
        return [f"{ref.namespace}/{ref.name}" for ref in matched]

    def _ask_owner_to_refresh(self, namespace: str, name: str) -> None:
        key = ResourceKey(GROUP, "Application", namespace, name)
        patch = {"metadata": {"annotations": {f"{GITOPSD_PREFIX}{REFRESH}": "normal"}}}
        try:
            self.local.merge_patch(key, patch, field_manager="gitopsd-webhook")
        except ClusterError as error:
            log.warning("%s: asking its owner to refresh failed: %s", key, error)

    def _webhook_secrets(self) -> WebhookSecrets:
        return webhook_secrets(self.local, self.settings.namespace)

    def _git_request(self, repo: str, request_type: str, seconds: float, ok: bool) -> None:
        kind = GitRequestType.LS_REMOTE if request_type == "ls-remote" else GitRequestType.FETCH
        self.metrics.record_git_request(repo, kind, seconds)
        if not ok and kind == GitRequestType.FETCH:
            self.metrics.count_git_fetch_failure(repo)

    def _cluster_added(self, entry: ClusterEntry) -> None:
        self.controller.watcher_for(entry.server, entry.cluster)
        self.metrics.set_cluster(entry.server, entry.name, ConnectionStatus.SUCCESSFUL)


def _remote(creds: Any, on_request: Any) -> KubeCluster:
    from gitopsd.cluster import from_credentials

    return KubeCluster(from_credentials(creds), on_request=on_request)


__all__ = ["SECRET_TYPE_LABEL", "SECRET_TYPE_REPOSITORY", "SECRET_TYPE_REPO_CREDS", "Runtime"]
