"""``gitopsd app diff APP``: the live diff of an Application as the controller sees it, and
the comparison machinery ``gitopsd diff`` shares.

``app diff`` runs the controller's own assessment (:func:`gitopsd.sync.reconcile.assess`,
after the same gate, :func:`~gitopsd.sync.reconcile.loading.load_subject`) over a
:class:`~gitopsd.cli.hub_environment.HubEnvironment`: the source rendered locally (Git
cache in ``--cache-dir`` or a temporary directory), the AppProject's checks, resource
exclusions and global ignoreDifferences from ``gitopsd-cm``, the live objects compared with
server-side-apply dry runs against the real destination. So it shows exactly the drift the
controller acts on. It prints ``format_diffs``: Secret values masked, "who drifted" lines
included. Exit 0 when in sync, 1 when something differs, 2 on error (a refusal of the
assessment included). Called by :mod:`gitopsd.cli.app` (``run``) and :mod:`gitopsd.cli.diff`
(the rest).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitopsd.cli.app_context import application_ref, connect, get_application, registered_cluster
from gitopsd.cli.hub_environment import HubEnvironment
from gitopsd.cli.output import ExitCode
from gitopsd.cluster import KubeCluster
from gitopsd.config import parse_configmap
from gitopsd.desired import build_desired_set, tracking_label_value
from gitopsd.diff import Comparison, DiffOptions, ObjectDiff, diff_object, format_diffs
from gitopsd.errors import ConfigError, Forbidden, GitopsdError, SpecError
from gitopsd.health import HealthAssessor, customizations_from_configmap
from gitopsd.model.annotations import (
    CONFIGMAP_NAME,
    IN_CLUSTER_SERVER,
    SECRET_TYPE_CLUSTER,
    SECRET_TYPE_LABEL,
    SECRET_TYPE_REPO_CREDS,
    SECRET_TYPE_REPOSITORY,
    TRACKING_LABEL,
)
from gitopsd.model.filters import ResourceFilters
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.model.sync_options import NO_OPTIONS
from gitopsd.operator.clusters import parse_cluster_secret
from gitopsd.ports import ClusterPort
from gitopsd.project import ApplicationNamespaces
from gitopsd.render import CachedRenderer, ManifestGenerator, RenderContext
from gitopsd.render.rendering import RenderExtensions
from gitopsd.source import (
    ChartRepositories,
    CredentialStore,
    GitRepositories,
    credentials_from_secrets,
)
from gitopsd.source.checkouts import scratch_tree
from gitopsd.spec import ApplicationSpec, Destination, IgnoreDifference, parse_application_spec
from gitopsd.sync.compare import CompareOptions, DryRunMemo, compare
from gitopsd.sync.environment import Environment, ReconcileSettings
from gitopsd.sync.live import LiveState, read_live
from gitopsd.sync.reconcile.assess import Refusal, Render, assess
from gitopsd.sync.reconcile.loading import load_subject

SECRET = GroupKind("", "Secret")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except GitopsdError as error:
        print(f"error: {error}", file=sys.stderr)
        return ExitCode.USAGE


def _run(args: argparse.Namespace) -> int:
    app_namespace, app_name = application_ref(args)
    hub = connect(args)
    app = get_application(hub, app_namespace, app_name)
    spec = parse_application_spec(app.get("spec") or {})
    settings = HubSettings.read(hub, args.namespace)
    credentials = repo_credentials(hub, args.namespace)
    with (
        destination_cluster(hub, args.namespace, spec.destination) as destination,
        cache_dir(args.cache_dir) as cache,
    ):
        repos, charts, manifests = local_manifests(cache, credentials)
        assessor = HealthAssessor(settings.customizations)
        env = HubEnvironment(hub, destination, repos, manifests, assessor, charts)
        env.read_projects(hub, args.namespace)
        reconcile_settings = settings.reconcile_settings(args.namespace, app_namespace)
        revisions = [args.revision] if args.revision else None
        return assessed_diff(app, env, reconcile_settings, revisions)


def assessed_diff(
    app: dict[str, Any],
    env: Environment,
    settings: ReconcileSettings,
    revisions: list[str] | None = None,
) -> int:
    """Assess ``app`` as a reconcile pass does (``revisions`` pins the commits) and print
    the diffs; a refusal is printed as the error the controller would report, and the
    assessment's warnings go to stderr. The exit code."""
    subject = load_subject(app, env, settings)
    if isinstance(subject, Refusal):
        print(f"error: {subject.condition}: {subject.message}", file=sys.stderr)
        return ExitCode.USAGE
    seen = assess(subject, env, settings, Render(revisions=revisions, fresh=True))
    if isinstance(seen, Refusal):
        print(f"error: {seen.condition}: {seen.message}", file=sys.stderr)
        return ExitCode.USAGE
    for condition in seen.conditions:
        print(f"warning: {condition.type}: {condition.message}", file=sys.stderr)
    ignore = subject.spec.ignore_differences + settings.global_ignore_differences
    return report(seen.comparison, DiffOptions(ignore=ignore))


def generate(
    spec: ApplicationSpec,
    target: DiffTarget,
    cluster: ClusterPort,
    credentials: CredentialStore,
    args: argparse.Namespace,
) -> tuple[list[dict[str, Any]], str]:
    """The app's objects from Git (``args.revision`` overrides the first source's) and the
    first source's commit SHA."""
    with cache_dir(args.cache_dir) as cache:
        generated = local_manifests(cache, credentials)[2].generate(
            spec,
            RenderContext(
                app_name=target.app_name,
                namespace=target.destination_namespace,
                kube_version=cluster.server_version(),
            ),
            revisions=[args.revision] if args.revision else None,
        )
    return list(generated.objects), generated.revisions[0] if generated.revisions else ""


def local_manifests(
    cache: Path, credentials: CredentialStore
) -> tuple[GitRepositories, ChartRepositories, ManifestGenerator]:
    """Git and chart repositories in ``cache`` and the generator rendering from them."""
    repos = GitRepositories(cache, credentials=credentials)
    charts = ChartRepositories(cache, credentials=credentials)
    renderer = CachedRenderer(extensions=RenderExtensions(charts=charts))
    return repos, charts, ManifestGenerator(repos, renderer, charts)


# --- shared with `gitopsd diff` ---------------------------------------------------------
@dataclass(frozen=True)
class DiffTarget:
    """Whose objects to compare: the tracking identity and the default namespace."""

    app_namespace: str
    app_name: str
    destination_namespace: str
    revision: str = ""
    server: str = IN_CLUSTER_SERVER  # the destination's canonical URL (for exclusions)

    @property
    def tracking(self) -> str:
        return tracking_label_value(self.app_namespace, self.app_name)


@dataclass(frozen=True)
class HubSettings:
    """What ``gitopsd-cm`` in the control-plane namespace adds to a comparison."""

    customizations: dict[str, str] = field(default_factory=dict)
    global_ignore: tuple[IgnoreDifference, ...] = ()
    # resource.exclusions / inclusions: kinds the controller never compares
    resource_filters: ResourceFilters = field(default_factory=ResourceFilters)

    @classmethod
    def read(cls, hub: ClusterPort, namespace: str) -> HubSettings:
        """The ConfigMap's settings, or the defaults when it is absent or unreadable."""
        try:
            configmap = hub.get(ResourceKey("", "ConfigMap", namespace, CONFIGMAP_NAME))
        except Forbidden:
            return cls()
        if configmap is None:
            return cls()
        parsed = parse_configmap(configmap.get("data"))
        return cls(
            customizations=customizations_from_configmap(configmap),
            global_ignore=parsed.global_ignore_differences,
            resource_filters=parsed.resource_filters,
        )

    def reconcile_settings(self, control_namespace: str, app_namespace: str) -> ReconcileSettings:
        """The controller's settings for the assessment. The Application's own namespace
        counts as enabled (the controller's flags are not known here; its project's
        ``sourceNamespaces`` still apply)."""
        return ReconcileSettings(
            global_ignore_differences=self.global_ignore,
            resource_filters=self.resource_filters,
            app_namespaces=ApplicationNamespaces(control_namespace, (app_namespace,)),
        )

    def excluded(self, group_kind: GroupKind, server: str) -> bool:
        return self.resource_filters.excluded(group_kind.group, group_kind.kind, server)

    def compare_options(self, spec: ApplicationSpec | None = None) -> CompareOptions:
        ignore = (spec.ignore_differences if spec else ()) + self.global_ignore
        sync_options = spec.sync_policy.sync_options if spec else NO_OPTIONS
        return CompareOptions(diff=DiffOptions(ignore=ignore), app_sync_options=sync_options)


def live_comparison(
    cluster: ClusterPort,
    objects: Sequence[dict[str, Any]],
    target: DiffTarget,
    inventory: frozenset[ResourceKey] | None,
    options: CompareOptions,
    settings: HubSettings,
) -> Comparison:
    """Compare ``objects`` (rendered) with the live cluster, as one reconcile pass would.

    ``inventory`` None means "no status to read it from": every live object carrying the
    target's tracking label in the desired kinds counts as the app's. Kinds excluded by
    ``resource.exclusions``/``inclusions`` are left out, as the controller leaves them.
    """
    wanted = [o for o in objects if not settings.excluded(GroupKind.of(o), target.server)]
    desired = build_desired_set(
        wanted,
        app_namespace=target.app_namespace,
        app_name=target.app_name,
        destination_namespace=target.destination_namespace,
        resources=cluster.resources(),
        revision=target.revision,
    )
    keys = desired.keys() | (inventory or frozenset())
    live = read_live(cluster, keys, tracking_value=target.tracking)
    if inventory is None:
        inventory = frozenset(
            key
            for key in tracked_keys(live, target.tracking)
            if not settings.excluded(key.group_kind, target.server)
        )
    return compare(
        cluster,
        desired,
        live,
        inventory,
        memo=DryRunMemo(),
        assessor=HealthAssessor(settings.customizations),
        options=options,
    )


def tracked_keys(live: LiveState, tracking: str) -> frozenset[ResourceKey]:
    return frozenset(
        key
        for key, obj in live.items()
        if obj is not None
        and ((obj.get("metadata") or {}).get("labels") or {}).get(TRACKING_LABEL) == tracking
    )


def object_diffs(comparison: Comparison, options: DiffOptions) -> list[ObjectDiff]:
    """One diff per compared object; live objects not in Git get their one-sided diff."""
    diffs = []
    for item in comparison.objects:
        if item.diff is not None:
            diffs.append(item.diff)
        elif item.desired is None and item.live is not None:
            diffs.append(diff_object(item.key, None, item.live, options))
    return diffs


def report(comparison: Comparison, options: DiffOptions) -> int:
    """Print the masked diffs (stdout) and comparison errors (stderr); the exit code."""
    sys.stdout.write(format_diffs(object_diffs(comparison, options)))
    errors = [item for item in comparison.objects if item.error]
    for item in errors:
        print(f"error: {item.error}", file=sys.stderr)
    if errors:
        return ExitCode.USAGE
    differs = any(not item.in_sync for item in comparison.objects)
    return ExitCode.FAILED if differs else ExitCode.OK


# --- the hub: destinations, repository credentials, scratch space ------------------------
@contextmanager
def destination_cluster(
    hub: KubeCluster, namespace: str, destination: Destination
) -> Iterator[tuple[ClusterPort, str]]:
    """The destination as the controller resolves it: the hub, or a registered cluster,
    with its canonical server URL."""
    if destination.is_in_cluster or destination.server.rstrip("/") == hub.host.rstrip("/"):
        yield hub, IN_CLUSTER_SERVER
        return
    selector = f"{SECRET_TYPE_LABEL}={SECRET_TYPE_CLUSTER}"
    try:
        secrets = hub.list(SECRET, namespace=namespace, label_selector=selector)
    except Forbidden as error:
        raise SpecError(f"cannot read the cluster Secrets in {namespace}: {error}") from error
    for secret in sorted(secrets, key=lambda s: str(s["metadata"]["name"])):
        try:
            name, server, creds, _ = parse_cluster_secret(secret)
        except (ConfigError, ValueError) as error:
            print(f"warning: {error}", file=sys.stderr)
            continue
        if server == destination.server.rstrip("/") or (name and name == destination.name):
            with registered_cluster(creds) as cluster:
                yield cluster, server
            return
    wanted = destination.server or destination.name
    raise SpecError(f"destination cluster {wanted} is not registered in {namespace}")


def repo_credentials(hub: ClusterPort, namespace: str) -> CredentialStore:
    """Repository credentials from the namespace's Secrets; none when they are unreadable."""
    secrets: list[dict[str, Any]] = []
    for secret_type in (SECRET_TYPE_REPOSITORY, SECRET_TYPE_REPO_CREDS):
        selector = f"{SECRET_TYPE_LABEL}={secret_type}"
        try:
            secrets.extend(hub.list(SECRET, namespace=namespace, label_selector=selector))
        except Forbidden as error:
            print(f"warning: cannot read {secret_type} Secrets: {error}", file=sys.stderr)
    return credentials_from_secrets(secrets)


@contextmanager
def cache_dir(explicit: str | None) -> Iterator[Path]:
    """``--cache-dir`` as given, else a temporary directory removed afterwards."""
    if explicit:
        yield Path(explicit)
        return
    with scratch_tree("gitopsd-diff-") as scratch:
        yield scratch
