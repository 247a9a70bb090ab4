"""What a kustomization loads: every local file and directory it references, recursively.

Before kustomize runs, each kustomization reachable from the app path is read and every
reference in it (``resources``, ``bases``, ``components``, patch and generator files,
``crds``, ``transformers``…) is checked: local ones must exist and stay inside the
repository (PathEscape otherwise), remote ones are refused unless allowed. "Remote" is
every spelling kustomize would fetch: any URL, ``git::``, ``gh:``, scp-like
``user@host:path``, ``github.com/owner/repo``, a ``.git``/``_git`` path segment, a
``//`` repository/path separator or a ``?ref=`` query. The filter gives a clear error;
what actually keeps a render offline is :mod:`gitopsd.render.sandbox`, which no spelling
gets past. The visited paths are what the render depends on, for the render cache; the
secretGenerator values met on the way are what a tool error must never repeat.
Called by :mod:`gitopsd.render.kustomize`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitopsd.errors import ManifestError, PathEscape
from gitopsd.render.manifests import parse_documents
from gitopsd.render.paths import check_symlinks, repo_relative, resolve_from

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_REMOTE = re.compile(
    r"://"  # any URL
    r"|^(git::|gh:)"  # kustomize's forced-git and GitHub shorthands
    r"|^[^/]*[@:]"  # user@host or host:path before the first slash (scp-like)
    r"|//"  # the repository//path separator
    r"|\?"  # a ?ref= / ?timeout= / ?submodules= query
    r"|[._]git(/|$)"  # a repository path ending in .git or _git
    r"|^(www\.)?(github|gitlab|bitbucket)\.(com|org)(/|$)",  # hosts kustomize knows
    re.IGNORECASE,
)
_MAX_SECRET_FILE = 1024 * 1024
# Fields whose string entries (or entries' ``path``) name files or directories.
_LIST_FIELDS = (
    "resources", "bases", "components", "crds", "transformers", "generators", "validators",
    "patchesStrategicMerge", "configurations",
)  # fmt: skip
_PATH_ITEM_FIELDS = ("patches", "patchesJson6902", "replacements")
_GENERATOR_FIELDS = ("configMapGenerator", "secretGenerator")


def find_kustomization(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def is_remote(reference: str) -> bool:
    """Whether kustomize could read ``reference`` as something to fetch."""
    return _REMOTE.search(reference.strip()) is not None


@dataclass(frozen=True)
class KustomizeScan:
    """What a kustomize render reads: repository paths, and secret values met."""

    dependencies: frozenset[str]
    secrets: tuple[str, ...] = ()
    directories: frozenset[str] = frozenset()  # the kustomization directories visited


def load_kustomization(path: Path, shown: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ManifestError(f"{shown}: not UTF-8 text") from error
    documents = [d for d in parse_documents(text, shown) if d]
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise ManifestError(f"{shown}: document 0: a kustomization must be one YAML object")
    return documents[0]


def references(kustomization: dict[str, Any]) -> Iterator[str]:
    """Every file or directory reference in one kustomization (inline patches skipped)."""
    for field in _LIST_FIELDS:
        for entry in kustomization.get(field) or []:
            if isinstance(entry, str) and "\n" not in entry:
                yield entry
            elif isinstance(entry, dict) and isinstance(entry.get("path"), str):
                yield entry["path"]
    for field in _PATH_ITEM_FIELDS:
        for entry in kustomization.get(field) or []:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                yield entry["path"]
    for field in _GENERATOR_FIELDS:
        for generator in kustomization.get(field) or []:
            if isinstance(generator, dict):
                yield from _generator_files(generator)
    yield from _helm_values_files(kustomization)
    openapi = kustomization.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield openapi["path"]


def _helm_values_files(kustomization: dict[str, Any]) -> Iterator[str]:
    """``helmCharts`` values files, which kustomize reads through its loader."""
    for chart in kustomization.get("helmCharts") or []:
        if isinstance(chart, dict):
            files = [chart.get("valuesFile"), *(chart.get("additionalValuesFiles") or [])]
            yield from (f for f in files if isinstance(f, str) and f)


def _generator_files(generator: dict[str, Any]) -> Iterator[str]:
    for entry in generator.get("files") or []:
        if isinstance(entry, str):
            yield entry.split("=", 1)[-1]
    for entry in [*(generator.get("envs") or []), generator.get("env")]:
        if isinstance(entry, str) and entry:
            yield entry


def scan(
    root: Path,
    app_dir: Path,
    subject: str,
    *,
    allow_remote: bool,
    extra: tuple[str, ...] = (),
) -> frozenset[str]:
    """Check everything kustomize will load from ``app_dir``; return what it depends on."""
    return scan_kustomizations(
        root, app_dir, subject, allow_remote=allow_remote, extra=extra
    ).dependencies


def scan_kustomizations(
    root: Path,
    app_dir: Path,
    subject: str,
    *,
    allow_remote: bool,
    extra: tuple[str, ...] = (),
) -> KustomizeScan:
    """Check everything kustomize will load from ``app_dir`` (see the module docstring).

    ``extra`` are references added by the Application (``kustomize.components`` and
    patch files), taken relative to ``app_dir``.
    """
    real_root = root.resolve()
    pending: list[tuple[Path, tuple[str, ...]]] = [(app_dir.resolve(), extra)]
    directories: set[Path] = set()
    dependencies: set[str] = set()
    secrets: list[str] = []
    while pending:
        directory, added = pending.pop()
        if directory in directories:
            continue
        directories.add(directory)
        dependencies.add(repo_relative(real_root, directory))
        file = find_kustomization(directory)
        if file is None:
            continue
        where = repo_relative(real_root, file)
        kustomization = load_kustomization(file, f"{subject}: {where}")
        for reference in [*references(kustomization), *added]:
            if is_remote(reference):
                if not allow_remote:
                    raise PathEscape(f"{subject}: {where}: remote resource {reference!r} refused")
                continue
            target = resolve_from(real_root, directory, reference, subject, "kustomize resource")
            if not target.real.exists():
                raise ManifestError(f"{subject}: {where}: {reference!r} not found")
            if target.real.is_dir():
                pending.append((target.real, ()))
            else:
                dependencies.add(target.relative)
        secrets.extend(_generator_secrets(kustomization, directory))
    dependencies |= check_symlinks(real_root, sorted(directories), subject)
    visited = frozenset(repo_relative(real_root, d) for d in directories)
    return KustomizeScan(frozenset(dependencies), tuple(secrets), visited)


def _generator_secrets(kustomization: dict[str, Any], directory: Path) -> Iterator[str]:
    """The values a secretGenerator holds: literals, and env and file contents (the paths
    were checked by the caller)."""
    for generator in kustomization.get("secretGenerator") or []:
        if not isinstance(generator, dict):
            continue
        for literal in generator.get("literals") or []:
            if isinstance(literal, str):
                yield literal
                yield literal.partition("=")[2]
        for path in _generator_files(generator):
            yield from _file_secrets(directory / path)


def _file_secrets(path: Path) -> Iterator[str]:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_SECRET_FILE:
            return
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return
    for line in text.splitlines():
        yield line
        yield line.partition("=")[2]
