"""Kustomize ``helmCharts`` rendered with charts gitopsd fetched, so kustomize never pulls.

kustomize's Helm generator (``--enable-helm``) looks for each chart at
``<chartHome>/<name>-<version>/<name>`` (``chartHome`` defaults to ``charts`` next to
the kustomization) and runs ``helm pull`` only when it is missing. So, for every
kustomization the build reads that has ``helmCharts`` entries with a ``repo``:

- the repository must be allowed by the AppProject's ``sourceRepos``;
- the version (``version``, or the newest when empty) is resolved through the chart
  cache and written into the entry, so kustomize's path names the exact version;
- the chart is copied from the cache into ``<chartHome>/<name>-<version>/<name>`` of
  the kustomization's writable copy (inside its root, as kustomize's load restrictions
  require for the chart's ``values.yaml``), unless the repository already vendors it.

Entries without ``repo`` must be vendored; ``helmGlobals.chartHome`` must be a relative
path inside the repository. kustomize then runs with ``--enable-helm`` and the pinned
helm, offline like every render. Called by :mod:`gitopsd.render.kustomize`.
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from gitopsd.errors import PathEscape, ProjectViolation, RenderError
from gitopsd.project.rules import repo_allowed
from gitopsd.render.chart_deps import ChartSource
from gitopsd.render.context import RenderContext
from gitopsd.render.kustomize_refs import find_kustomization, load_kustomization

DEFAULT_CHART_HOME = "charts"


def has_helm_charts(document: dict[str, Any]) -> bool:
    return bool(document.get("helmCharts"))


def chart_home(document: dict[str, Any], shown: str) -> str:
    globals_ = document.get("helmGlobals") if isinstance(document.get("helmGlobals"), dict) else {}
    home = str((globals_ or {}).get("chartHome") or DEFAULT_CHART_HOME)
    path = PurePosixPath(home)
    if path.is_absolute() or ".." in path.parts:
        raise PathEscape(f"{shown}: helmGlobals.chartHome {home!r} must stay inside the directory")
    return home


def helm_directories(root: Path, directories: frozenset[str]) -> list[str]:
    """Repository paths of the visited kustomizations that have ``helmCharts``."""
    found = []
    for relative in sorted(directories):
        directory = root / relative
        file = find_kustomization(directory) if directory.is_dir() else None
        if file is not None and has_helm_charts(load_kustomization(file, relative)):
            found.append(relative)
    return found


def prepare_helm_charts(
    copy: Path,
    original: Path,
    *,
    charts: ChartSource | None,
    context: RenderContext,
    subject: str,
) -> None:
    """Fetch the charts of the kustomization in ``copy`` (a writable copy of
    ``original``) into its chart home and pin their versions in the copy."""
    file = find_kustomization(copy)
    assert file is not None  # a helm directory has a kustomization by construction
    shown = f"{subject}: {file.name}"
    document = load_kustomization(file, shown)
    home = chart_home(document, shown)
    entries = [e for e in document.get("helmCharts") or [] if isinstance(e, dict)]
    for entry in entries:
        name, repo = str(entry.get("name") or ""), str(entry.get("repo") or "")
        if not name or "/" in name or name.startswith("."):
            raise RenderError(f"{shown}: helmCharts entry without a usable name")
        if not repo:
            continue  # a vendored chart at <chartHome>/<name>, read where it is
        entry["version"] = _fetch(entry, name, repo, copy / home, original / home,
                                  charts, context, f"{shown}: helmCharts {name}")  # fmt: skip
    file.write_text(yaml.safe_dump(document, sort_keys=False))


def _fetch(
    entry: dict[str, Any],
    name: str,
    repo: str,
    home: Path,
    original_home: Path,
    charts: ChartSource | None,
    context: RenderContext,
    shown: str,
) -> str:
    if context.source_repos is not None and not repo_allowed(context.source_repos, repo):
        raise ProjectViolation(
            f"{shown}: repository {repo} is not permitted in project {context.project} "
            "(sourceRepos); nothing was fetched"
        )
    wanted = str(entry.get("version") or "")
    if wanted and (original_home / f"{name}-{wanted}" / name / "Chart.yaml").is_file():
        return wanted  # vendored in the repository: kustomize will find it in the copy
    if charts is None:
        raise RenderError(f"{shown}: chart repositories are not available to this render")
    resolved = charts.resolve(repo, name, wanted or "*")
    target = home / f"{name}-{resolved.version}" / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(charts.chart_dir(resolved), target)
        for path in [target, *target.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    return resolved.version
