"""Settings of the controller and the server: flags, environment, the gitopsd-cm ConfigMap.

The one place that reads the environment. Everything else receives a frozen
``ControllerSettings`` or ``ServerSettings`` (flags and environment) and
``ConfigMapSettings`` (reloaded when the ConfigMap changes).
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitopsd.diff import ignore_rule_problems
from gitopsd.errors import ConfigError, SpecError
from gitopsd.model.filters import ResourceFilter, ResourceFilters
from gitopsd.model.yaml_loader import YAMLError, load_yaml
from gitopsd.project.source_namespaces import parse_namespace_patterns
from gitopsd.spec import IgnoreDifference, parse_duration, parse_ignore_differences


def default_cache_dir() -> Path:
    explicit = os.environ.get("GITOPSD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitopsd" / "controller"


def default_identity() -> str:
    """This replica's name (``--replica-id``): the Pod's name in a cluster, where the
    chart passes it through the downward API; otherwise the host name and process id."""
    explicit = os.environ.get("GITOPSD_REPLICA_ID") or os.environ.get("POD_ID")
    if explicit:
        return explicit
    host = re.sub(r"[^a-z0-9.-]+", "-", socket.gethostname().lower()).strip("-.") or "host"
    return f"{host}-{os.getpid()}"


# A replica's Lease is named after it; a Lease name is a DNS subdomain of at most 253
# characters, and a replica id is also written into status and metric labels.
REPLICA_ID_MAX = 200
_REPLICA_ID = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")


def replica_id_problem(replica_id: str) -> str | None:
    """Why ``replica_id`` cannot name a replica (and its Lease), or None."""
    if not replica_id:
        return "must not be empty"
    if len(replica_id) > REPLICA_ID_MAX:
        return f"longer than {REPLICA_ID_MAX} characters"
    if not _REPLICA_ID.fullmatch(replica_id):
        return "must be lower-case letters, digits, '-' and '.', starting and ending alphanumeric"
    return None


@dataclass(frozen=True)
class LeaseTiming:
    """client-go's leader-election times, for each replica's own Lease when sharding.

    ``lease_seconds`` is published in the Lease (``leaseDurationSeconds``): another
    replica considers the Lease expired once it has seen no change to it for that long on
    its own clock. A replica stops acting when it has not renewed within
    ``renew_deadline_seconds`` (shorter, so it has stopped before anyone may take over),
    and renews every ``retry_period_seconds``.
    """

    lease_seconds: float = 15.0
    renew_deadline_seconds: float = 10.0
    retry_period_seconds: float = 2.0

    def problems(self) -> list[str]:
        found = []
        if self.lease_seconds < 1:
            found.append("the lease duration must be at least 1s")
        if not 0 < self.renew_deadline_seconds < self.lease_seconds:
            found.append("the renew deadline must be positive and shorter than the lease duration")
        if not 0 < self.retry_period_seconds < self.renew_deadline_seconds:
            found.append("the retry period must be positive and shorter than the renew deadline")
        return found


@dataclass(frozen=True)
class ControllerSettings:
    """``gitopsd run`` flags, with their defaults."""

    kubeconfig: str | None = None
    namespace: str = "gitopsd"
    # Argo CD's application.namespaces: where else Applications may live (names, globs,
    # /regex/); each still needs its project's sourceNamespaces to list it.
    application_namespaces: tuple[str, ...] = ()
    metrics_port: int = 8082
    webhook_port: int = 8083
    reconcile_interval_seconds: float = 120.0
    # Up to this fraction of the interval is added at random, so apps spread out.
    reconcile_jitter: float = 0.2
    workers: int = 8
    log_format: str = "text"  # or "json"
    cache_dir: Path = field(default_factory=default_cache_dir)
    # Several replicas: each holds a Lease of its own and reconciles only its share of
    # the Applications and ApplicationSets (gitopsd.sharding). Off: one replica does all.
    sharding: bool = False
    identity: str = field(default_factory=default_identity)  # --replica-id
    lease_timing: LeaseTiming = field(default_factory=LeaseTiming)
    argocd_metrics: bool = False
    self_heal_initial_seconds: float = 2.0
    self_heal_factor: float = 3.0
    self_heal_max_seconds: float = 300.0
    operation_timeout_seconds: float = 3600.0  # a sync attempt running longer ends Failed


def env_flag_default(name: str, default: str) -> str:
    """Flags fall back to GITOPSD_<NAME> environment variables (used by the Helm chart)."""
    return os.environ.get(f"GITOPSD_{name.upper().replace('-', '_')}", default)


def parse_application_namespaces(text: str, *, source: str) -> tuple[str, ...]:
    """A comma-separated ``application.namespaces`` value; ConfigError names ``source``
    (the flag or the ConfigMap key) and the unusable pattern."""
    try:
        return parse_namespace_patterns(text)
    except SpecError as error:
        raise ConfigError(f"{source}: {error}") from error


APPLICATION_NAMESPACES_KEY = "application.namespaces"
# Sharding's Lease times; they override the flags and apply without a restart.
LEASE_DURATION_KEY = "controller.sharding.leaseDuration"
RENEW_DEADLINE_KEY = "controller.sharding.renewDeadline"
RETRY_PERIOD_KEY = "controller.sharding.retryPeriod"


@dataclass(frozen=True)
class ConfigMapSettings:
    """What gitopsd reads from ``gitopsd-cm`` (Argo CD's ``argocd-cm`` keys)."""

    reconciliation_seconds: float | None = None
    health_customizations: dict[str, str] = field(default_factory=dict)
    global_ignore_differences: tuple[IgnoreDifference, ...] = ()
    webhook_secret_keys: tuple[str, ...] = ()
    resource_filters: ResourceFilters = field(default_factory=ResourceFilters)
    # Added to --application-namespaces; read again whenever gitopsd-cm changes.
    application_namespaces: tuple[str, ...] = ()
    # Sharding's Lease times (seconds) where gitopsd-cm sets them; None: the flag's.
    lease_seconds: float | None = None
    renew_deadline_seconds: float | None = None
    retry_period_seconds: float | None = None
    raw: dict[str, str] = field(default_factory=dict)

    def lease_timing(self, flags: LeaseTiming) -> LeaseTiming:
        """The flags' timing with what this ConfigMap sets; ConfigError when the result
        is inconsistent (a renew deadline not shorter than the lease, ...)."""
        timing = LeaseTiming(
            lease_seconds=_or(self.lease_seconds, flags.lease_seconds),
            renew_deadline_seconds=_or(self.renew_deadline_seconds, flags.renew_deadline_seconds),
            retry_period_seconds=_or(self.retry_period_seconds, flags.retry_period_seconds),
        )
        problems = timing.problems()
        if problems:
            keys = f"{LEASE_DURATION_KEY}, {RENEW_DEADLINE_KEY}, {RETRY_PERIOD_KEY}"
            raise ConfigError(f"gitopsd-cm: {keys} with the flags: {'; '.join(problems)}")
        return timing


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def parse_configmap(data: dict[str, str] | None) -> ConfigMapSettings:
    """Parse ``gitopsd-cm``'s ``data``. Health customizations are left to the health
    package (``customizations_from_configmap``) and passed in by the caller."""
    data = dict(data or {})
    interval = None
    if data.get("timeout.reconciliation"):
        try:
            interval = parse_duration(data["timeout.reconciliation"], 120.0)
        except Exception as error:
            raise ConfigError(f"gitopsd-cm: timeout.reconciliation: {error}") from error
    ignore: tuple[IgnoreDifference, ...] = ()
    text = data.get("resource.customizations.ignoreDifferences.all")
    if text:
        ignore = _global_ignore(text)
    filters = ResourceFilters(
        exclusions=_filters(data, "resource.exclusions"),
        inclusions=_filters(data, "resource.inclusions"),
    )
    return ConfigMapSettings(
        reconciliation_seconds=interval,
        lease_seconds=_seconds(data, LEASE_DURATION_KEY),
        renew_deadline_seconds=_seconds(data, RENEW_DEADLINE_KEY),
        retry_period_seconds=_seconds(data, RETRY_PERIOD_KEY),
        global_ignore_differences=ignore,
        resource_filters=filters,
        application_namespaces=parse_application_namespaces(
            data.get(APPLICATION_NAMESPACES_KEY, ""),
            source=f"gitopsd-cm: {APPLICATION_NAMESPACES_KEY}",
        ),
        raw=data,
    )


def _seconds(data: dict[str, str], key: str) -> float | None:
    """A positive duration (``15s``, ``1m``) under ``key``, or None when absent."""
    text = data.get(key, "").strip()
    if not text:
        return None
    try:
        seconds = parse_duration(text, 0.0)
    except Exception as error:
        raise ConfigError(f"gitopsd-cm: {key}: {error}") from error
    if seconds <= 0:
        raise ConfigError(f"gitopsd-cm: {key}: must be a positive duration, got {text!r}")
    return seconds


def _filters(data: dict[str, str], key: str) -> tuple[ResourceFilter, ...]:
    """Argo CD's ``resource.exclusions`` / ``resource.inclusions`` YAML lists."""
    text = data.get(key)
    if not text:
        return ()
    try:
        items: Any = load_yaml(text) or []
    except YAMLError as error:
        raise ConfigError(f"gitopsd-cm: {key}: {error}") from error
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ConfigError(f"gitopsd-cm: {key}: expected a list of {{apiGroups, kinds, clusters}}")
    return tuple(
        ResourceFilter(
            api_groups=tuple(str(g) for g in item.get("apiGroups") or ()),
            kinds=tuple(str(k) for k in item.get("kinds") or ()),
            clusters=tuple(str(c) for c in item.get("clusters") or ()),
        )
        for item in items
    )


def _global_ignore(text: str) -> tuple[IgnoreDifference, ...]:
    try:
        value: Any = load_yaml(text) or {}
    except YAMLError as error:
        raise ConfigError(
            f"gitopsd-cm: resource.customizations.ignoreDifferences.all: {error}"
        ) from error
    if not isinstance(value, dict):
        raise ConfigError("gitopsd-cm: resource.customizations.ignoreDifferences.all: not a map")
    for field_name in ("jsonPointers", "jqPathExpressions", "managedFieldsManagers"):
        if not isinstance(value.get(field_name) or [], list):
            raise ConfigError(
                f"gitopsd-cm: resource.customizations.ignoreDifferences.all: {field_name} "
                "must be a list"
            )
    rule = {
        "group": "*",
        "kind": "*",
        "jsonPointers": value.get("jsonPointers") or [],
        "jqPathExpressions": value.get("jqPathExpressions") or [],
        "managedFieldsManagers": value.get("managedFieldsManagers") or [],
    }
    rules = parse_ignore_differences([rule])
    problems = ignore_rule_problems(rules, "resource.customizations.ignoreDifferences.all")
    if problems:
        # "…all[0].jsonPointers[0]": there is one rule, so the index says nothing.
        raise ConfigError("gitopsd-cm: " + "; ".join(p.replace("all[0]", "all") for p in problems))
    return rules


@dataclass(frozen=True)
class ServerSettings:
    """``gitopsd server`` flags (each also read from ``GITOPSD_<FLAG>``), with defaults."""

    kubeconfig: str | None = None
    namespace: str = "gitopsd"
    port: int = 8080
    address: str = "0.0.0.0"
    log_format: str = "text"  # or "json"
    # Sessions expire after this long (Argo CD's users.session.duration default).
    session_seconds: float = 24 * 3600.0
    # Secure cookies are sent over HTTPS only; off for plain HTTP on localhost.
    secure_cookie: bool = True
    # Sign-in limits: attempts per client address (token bucket), and failed attempts per
    # user name within a window before that name is refused for the rest of the window.
    login_per_second: float = 1.0
    login_burst: int = 10
    login_max_failures: int = 5
    login_failure_window_seconds: float = 300.0
    # Where the web UI's files are served from; empty: the package's server/static.
    static_dir: str = ""
    # Git checkouts for managed-resources' target states; empty: a directory under
    # $XDG_CACHE_HOME (or ~/.cache)/gitopsd/server.
    cache_dir: str = ""


def default_server_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitopsd" / "server"
