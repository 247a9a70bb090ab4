"""The parsed form of an AppProject, and how an Application finds its project.

``parse_project`` turns an AppProject body into a frozen :class:`Project`; the rule
checks (``rules``), sync windows (``windows``) and orphan detection (``orphans``) read it.
Called by the reconciler before anything is applied, and by the CLI.
"""

from __future__ import annotations

import dataclasses
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from croniter import croniter

from gitopsd.errors import SpecError
from gitopsd.model.annotations import GROUP
from gitopsd.model.keys import ResourceKey
from gitopsd.project.source_namespaces import check_pattern
from gitopsd.spec import parse_duration

DEFAULT_PROJECT = "default"


@dataclass(frozen=True)
class DestinationRule:
    """One ``destinations`` entry; any field may be a glob or a ``!`` deny pattern."""

    server: str = ""
    name: str = ""
    namespace: str = ""


@dataclass(frozen=True)
class ResourceRule:
    """One white/blacklist or orphan-ignore entry; ``name`` empty matches every name."""

    group: str = ""
    kind: str = ""
    name: str = ""


@dataclass(frozen=True)
class OrphanedResourcesPolicy:
    warn: bool = True
    ignore: tuple[ResourceRule, ...] = ()


class WindowKind(StrEnum):
    ALLOW = "allow"
    DENY = "deny"


@dataclass(frozen=True)
class SyncWindow:
    """One ``syncWindows`` entry; ``duration`` keeps the user's spelling for messages."""

    kind: WindowKind
    schedule: str
    duration: str
    duration_seconds: float
    applications: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    manual_sync: bool = False
    time_zone: str = "UTC"
    and_operator: bool = False  # every listed selector must match, not just one


@dataclass(frozen=True)
class Project:
    """An AppProject's name and rules.

    An empty ``cluster_resource_whitelist`` denies every cluster-scoped kind; an empty
    ``namespace_resource_whitelist`` allows every namespaced kind (Argo CD's defaults).
    ``orphaned_resources`` is None when orphan monitoring is off.
    """

    name: str
    source_repos: tuple[str, ...] = ()
    destinations: tuple[DestinationRule, ...] = ()
    cluster_resource_whitelist: tuple[ResourceRule, ...] = ()
    cluster_resource_blacklist: tuple[ResourceRule, ...] = ()
    namespace_resource_whitelist: tuple[ResourceRule, ...] = ()
    namespace_resource_blacklist: tuple[ResourceRule, ...] = ()
    orphaned_resources: OrphanedResourcesPolicy | None = None
    sync_windows: tuple[SyncWindow, ...] = ()
    # Namespaces (names, globs, /regex/) whose Applications may use this project, besides
    # the controller's own; empty in the built-in default project.
    source_namespaces: tuple[str, ...] = ()


def default_project() -> Project:
    """The ``default`` project used when none is configured: everything is permitted."""
    return Project(
        name=DEFAULT_PROJECT,
        source_repos=("*",),
        destinations=(DestinationRule(server="*", name="*", namespace="*"),),
        cluster_resource_whitelist=(ResourceRule(group="*", kind="*"),),
    )


def find_project(name: str, projects: Mapping[str, Project]) -> Project:
    """The project an Application names; ``default`` exists even when not configured."""
    wanted = name or DEFAULT_PROJECT
    if wanted in projects:
        return projects[wanted]
    if wanted == DEFAULT_PROJECT:
        return default_project()
    raise SpecError(f"application references project {wanted} which does not exist")


def parse_project(body: dict[str, Any]) -> Project:
    """Parse an AppProject body. Raises SpecError naming the project and the field."""
    # Named as the object even when the body omits apiVersion/kind (tests, CLI input).
    key = dataclasses.replace(ResourceKey.of(body), group=GROUP, kind="AppProject")
    spec = body.get("spec") or {}
    if not key.name:
        raise SpecError("AppProject: metadata.name is required")
    try:
        return Project(
            name=key.name,
            source_repos=_strings(spec.get("sourceRepos")),
            destinations=tuple(_destination(d) for d in _dicts(spec.get("destinations"))),
            cluster_resource_whitelist=_resource_rules(spec.get("clusterResourceWhitelist")),
            cluster_resource_blacklist=_resource_rules(spec.get("clusterResourceBlacklist")),
            namespace_resource_whitelist=_resource_rules(spec.get("namespaceResourceWhitelist")),
            namespace_resource_blacklist=_resource_rules(spec.get("namespaceResourceBlacklist")),
            orphaned_resources=_orphans(spec.get("orphanedResources")),
            sync_windows=tuple(
                _window(raw, f"spec.syncWindows[{index}]")
                for index, raw in enumerate(_dicts(spec.get("syncWindows")))
            ),
            source_namespaces=_namespace_patterns(spec.get("sourceNamespaces")),
        )
    except SpecError as error:
        raise SpecError(f"{key}: {error}") from error


def _strings(raw: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in raw or [] if item is not None)


def _dicts(raw: Any) -> list[dict[str, Any]]:
    return [item for item in raw or [] if isinstance(item, dict)]


def _namespace_patterns(raw: Any) -> tuple[str, ...]:
    patterns = _strings(raw)
    for index, pattern in enumerate(patterns):
        problem = check_pattern(pattern)
        if problem:
            raise SpecError(f"spec.sourceNamespaces[{index}]: {problem}")
    return patterns


def _destination(raw: dict[str, Any]) -> DestinationRule:
    return DestinationRule(
        server=str(raw.get("server") or ""),
        name=str(raw.get("name") or ""),
        namespace=str(raw.get("namespace") or ""),
    )


def _resource_rules(raw: Any) -> tuple[ResourceRule, ...]:
    return tuple(
        ResourceRule(
            group=str(item.get("group") or ""),
            kind=str(item.get("kind") or ""),
            name=str(item.get("name") or ""),
        )
        for item in _dicts(raw)
    )


def _orphans(raw: Any) -> OrphanedResourcesPolicy | None:
    if not isinstance(raw, dict):
        return None
    return OrphanedResourcesPolicy(
        warn=bool(raw.get("warn", True)), ignore=_resource_rules(raw.get("ignore"))
    )


def _window(raw: dict[str, Any], path: str) -> SyncWindow:
    try:
        kind = WindowKind(str(raw.get("kind", "")))
    except ValueError as error:
        raise SpecError(f"{path}.kind must be allow or deny, not {raw.get('kind')!r}") from error
    schedule = str(raw.get("schedule") or "")
    if not croniter.is_valid(schedule):
        raise SpecError(f"{path}.schedule: invalid cron schedule {schedule!r}")
    duration = str(raw.get("duration") or "")
    try:
        seconds = parse_duration(duration, 0.0)
    except SpecError as error:
        raise SpecError(f"{path}.duration: {error}") from error
    if seconds <= 0:
        raise SpecError(f"{path}.duration: a positive duration is required, not {duration!r}")
    time_zone = str(raw.get("timeZone") or "UTC")
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise SpecError(f"{path}.timeZone: unknown time zone {time_zone!r}") from error
    return SyncWindow(
        kind=kind,
        schedule=schedule,
        duration=duration,
        duration_seconds=seconds,
        applications=_strings(raw.get("applications")),
        namespaces=_strings(raw.get("namespaces")),
        clusters=_strings(raw.get("clusters")),
        manual_sync=bool(raw.get("manualSync", False)),
        time_zone=time_zone,
        and_operator=bool(raw.get("andOperator", False)),
    )
