"""What the API shows of an Application and how lists are filtered. Pure.

:class:`AppQuery` holds Argo CD's list and stream filters (``name``, ``projects``,
``selector``, ``search``, ``repo``) and gitopsd's (``sync``, ``health``, ``cluster``,
``namespace``); :func:`matches` applies them to one Application. Authorization is not
decided here: callers keep only the applications the user may see *before* filtering, so
a filter can never reveal anything about an application the user may not read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitopsd.model.selectors import LabelSelector, parse_selector
from gitopsd.spec import raw_sources


@dataclass(frozen=True)
class AppQuery:
    names: frozenset[str] = frozenset()
    projects: frozenset[str] = frozenset()
    selector: LabelSelector = field(default_factory=LabelSelector)
    search: str = ""
    repo: str = ""
    sync: frozenset[str] = frozenset()
    health: frozenset[str] = frozenset()
    clusters: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()


def _values(query: Mapping[str, Sequence[str]], *names: str) -> frozenset[str]:
    """Repeated (``?projects=a&projects=b``) and comma-separated values alike."""
    found: set[str] = set()
    for name in names:
        for value in query.get(name, ()):
            found.update(v.strip() for v in value.split(",") if v.strip())
    return frozenset(found)


def parse_query(query: Mapping[str, Sequence[str]]) -> AppQuery:
    """An AppQuery from query parameters (each name to all its values)."""
    selector = " ".join(query.get("selector", ())).strip()
    return AppQuery(
        names=_values(query, "name"),
        projects=_values(query, "projects", "project"),
        selector=parse_selector(selector) if selector else LabelSelector(),
        search=" ".join(query.get("search", ())).strip().lower(),
        repo=" ".join(query.get("repo", ())).strip(),
        sync=_values(query, "sync", "syncStatus"),
        health=_values(query, "health", "healthStatus"),
        clusters=_values(query, "cluster", "clusters"),
        namespaces=_values(query, "namespace", "namespaces"),
    )


def project_of(app: Mapping[str, Any]) -> str:
    return str((app.get("spec") or {}).get("project") or "default")


def name_of(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def repos_of(app: Mapping[str, Any]) -> list[str]:
    return [str(s.get("repoURL") or "") for s in raw_sources(app.get("spec") or {})]


def matches(app: Mapping[str, Any], query: AppQuery) -> bool:
    metadata = app.get("metadata") or {}
    spec = app.get("spec") or {}
    status = app.get("status") or {}
    destination = spec.get("destination") or {}
    checks = (
        not query.names or name_of(app) in query.names,
        not query.projects or project_of(app) in query.projects,
        query.selector.matches(metadata.get("labels")),
        not query.search or query.search in name_of(app).lower(),
        not query.repo or query.repo in repos_of(app),
        not query.sync or str((status.get("sync") or {}).get("status")) in query.sync,
        not query.health or str((status.get("health") or {}).get("status")) in query.health,
        not query.clusters
        or bool({destination.get("server"), destination.get("name")} & query.clusters),
        not query.namespaces or destination.get("namespace") in query.namespaces,
    )
    return all(checks)
