"""Helm chart dependencies resolved by gitopsd, so ``helm template`` stays offline.

A chart's ``Chart.yaml`` ``dependencies`` (``requirements.yaml`` for apiVersion v1) name
charts by ``repository`` and ``version``. Helm would fetch them with ``helm dependency
build`` and its own repository state; gitopsd never runs that. Instead, for each
dependency not already vendored in ``charts/``:

- the version is the one ``Chart.lock`` (``requirements.lock``) pins when the lock names
  the same dependency and repository, else the best match for the constraint;
- the repository is the dependency's URL (``https://``, ``oci://``), or the ``repository``
  Secret named by ``@name`` / ``alias:name`` (Argo CD's convention); ``file://`` paths
  must stay inside the repository and are copied in; an empty repository is an error;
- the repository must be allowed by the AppProject's ``sourceRepos``
  (``RenderContext.source_repos``) *before* anything is fetched;
- the archive comes through :class:`ChartSource` (the chart cache: digests verified,
  credentials by endpoint), and is copied into ``charts/`` of a scratch copy of the
  chart, which is what Helm renders.

A dependency that cannot be resolved or fetched is an error naming it: never a render
without it. Called by :func:`gitopsd.render.helm.render_helm`.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from gitopsd.errors import ManifestError, ProjectViolation, RenderError, SourceError
from gitopsd.project.rules import repo_allowed
from gitopsd.render.context import RenderContext
from gitopsd.render.paths import resolve_from
from gitopsd.source.charts import ResolvedChart

# ``<name>-<version>.tgz``, the version starting at the last ``-`` followed by a digit run
# and a dot (names may contain ``-`` and digits; versions may contain ``-``).
_ARCHIVE_NAME = re.compile(r"^(.+?)-v?[0-9]+\.[0-9]+.*\.tgz$")


class ChartSource(Protocol):
    """What rendering needs from the chart cache (``gitopsd.source.ChartRepositories``)."""

    def resolve(self, repo_url: str, chart: str, revision: str) -> ResolvedChart: ...

    def archive(self, resolved: ResolvedChart) -> Path: ...

    def chart_dir(self, resolved: ResolvedChart) -> Path: ...

    def repository_named(self, name: str) -> str | None: ...


@dataclass(frozen=True)
class Dependency:
    name: str
    version: str
    repository: str


def read_dependencies(chart_dir: Path, shown: str) -> list[Dependency]:
    """The dependencies a chart declares, versions pinned by its lock file when it agrees."""
    declared = _declared(chart_dir, shown)
    locked = {(d.name, _normal_repo(d.repository)): d.version for d in _locked(chart_dir, shown)}
    return [
        Dependency(
            d.name, locked.get((d.name, _normal_repo(d.repository)), d.version), d.repository
        )
        for d in declared
    ]


def missing_dependencies(chart_dir: Path, shown: str) -> list[Dependency]:
    """Declared dependencies without a chart in ``charts/`` (what Helm would refuse)."""
    vendored = _vendored_names(chart_dir / "charts")
    return [d for d in read_dependencies(chart_dir, shown) if d.name not in vendored]


def with_dependencies(
    chart_dir: Path,
    repo_root: Path,
    scratch: Path,
    *,
    charts: ChartSource | None,
    context: RenderContext,
    subject: str,
) -> Path:
    """``chart_dir`` when every dependency is vendored, else a scratch copy with each
    missing one fetched into its ``charts/`` (see the module docstring)."""
    missing = missing_dependencies(chart_dir, subject)
    if not missing:
        return chart_dir
    target = scratch / "chart"
    shutil.copytree(chart_dir, target, symlinks=False)
    _make_writable(target)
    subcharts = target / "charts"
    subcharts.mkdir(exist_ok=True)
    for dependency in missing:
        _place(dependency, chart_dir, repo_root, subcharts, charts, context, subject)
    return target


def _place(
    dependency: Dependency,
    chart_dir: Path,
    repo_root: Path,
    subcharts: Path,
    charts: ChartSource | None,
    context: RenderContext,
    subject: str,
) -> None:
    shown = f"{subject}: dependency {dependency.name}"
    repository = dependency.repository.strip()
    if repository.startswith("file://"):
        local = resolve_from(repo_root, chart_dir, repository.removeprefix("file://"), subject,
                             "dependency path")  # fmt: skip
        if not (local.real / "Chart.yaml").is_file():
            raise RenderError(f"{shown}: {repository} is not a chart directory")
        shutil.copytree(local.real, subcharts / dependency.name, symlinks=False)
        return
    if not repository:
        raise RenderError(f"{shown}: no repository and not vendored in charts/")
    if charts is None:
        raise RenderError(f"{shown}: chart repositories are not available to this render")
    url = _repository_url(repository, charts, shown)
    if context.source_repos is not None and not repo_allowed(context.source_repos, url):
        raise ProjectViolation(
            f"{shown}: repository {url} is not permitted in project {context.project} "
            "(sourceRepos); nothing was fetched"
        )
    try:
        resolved = charts.resolve(url, dependency.name, dependency.version or "*")
        archive = charts.archive(resolved)
    except SourceError as error:  # same kind of error, saying which dependency failed
        raise type(error)(f"{shown}: {error}") from error
    shutil.copyfile(archive, subcharts / f"{dependency.name}-{resolved.version}.tgz")


def _repository_url(repository: str, charts: ChartSource, shown: str) -> str:
    for prefix in ("@", "alias:"):
        if repository.startswith(prefix):
            name = repository.removeprefix(prefix)
            url = charts.repository_named(name)
            if url is None:
                raise RenderError(f"{shown}: no repository Secret is named {name!r}")
            return url
    return repository


def _declared(chart_dir: Path, shown: str) -> list[Dependency]:
    chart = _yaml(chart_dir / "Chart.yaml", shown)
    raw = chart.get("dependencies")
    if raw is None and (chart_dir / "requirements.yaml").is_file():
        raw = _yaml(chart_dir / "requirements.yaml", shown).get("dependencies")
    return _dependencies(raw, shown)


def _locked(chart_dir: Path, shown: str) -> list[Dependency]:
    for name in ("Chart.lock", "requirements.lock"):
        if (chart_dir / name).is_file():
            return _dependencies(_yaml(chart_dir / name, shown).get("dependencies"), shown)
    return []


def _dependencies(raw: Any, shown: str) -> list[Dependency]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ManifestError(f"{shown}: Chart.yaml dependencies must be a list")
    found = []
    for item in raw:
        if not isinstance(item, dict) or not item.get("name"):
            raise ManifestError(f"{shown}: a Chart.yaml dependency has no name")
        found.append(
            Dependency(
                str(item["name"]), str(item.get("version") or ""), str(item.get("repository") or "")
            )
        )
    return found


def _yaml(path: Path, shown: str) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise ManifestError(f"{shown}: {path.name} is not valid YAML") from error
    return document if isinstance(document, dict) else {}


def _vendored_names(directory: Path) -> set[str]:
    """Names of the charts in ``charts/``: directories by Chart.yaml, archives by file name."""
    names: set[str] = set()
    if not directory.is_dir():
        return names
    for entry in directory.iterdir():
        if entry.is_dir() and (entry / "Chart.yaml").is_file():
            names.add(str(_yaml(entry / "Chart.yaml", entry.name).get("name") or entry.name))
        elif entry.suffix == ".tgz":
            match = _ARCHIVE_NAME.match(entry.name)
            names.add(match[1] if match else entry.stem)
    return names


def _normal_repo(url: str) -> str:
    return url.strip().rstrip("/")


def _make_writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


__all__ = ["ChartSource", "Dependency", "read_dependencies", "with_dependencies"]
