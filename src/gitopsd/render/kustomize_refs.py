"""What a kustomization loads: every local file and directory it references, recursively.

Before kustomize runs, each kustomization reachable from the app path is read and every
reference in it (``resources``, ``bases``, ``components``, patch and generator files,
``crds``, ``transformers``…) is checked: local ones must stay inside the repository
(PathEscape otherwise), remote ones (``https://``, ``git@``, ``github.com/``…) are refused
unless allowed. The visited paths are what the render depends on, for the render cache.
Called by :mod:`gitopsd.render.kustomize`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gitopsd.errors import ManifestError, PathEscape
from gitopsd.render.manifests import parse_documents
from gitopsd.render.paths import check_symlinks, repo_relative, resolve_from

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_REMOTE = re.compile(
    r"^([a-z][a-z0-9+.-]*://|git@|git::|(github\.com|gitlab\.com|bitbucket\.org)/)|\?(ref|version)=",
    re.IGNORECASE,
)
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
    return _REMOTE.search(reference.strip()) is not None


def load_kustomization(path: Path, shown: str) -> dict[str, Any]:
    documents = [d for d in parse_documents(path.read_text(encoding="utf-8"), shown) if d]
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
    openapi = kustomization.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield openapi["path"]


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
    """Check everything kustomize will load from ``app_dir``; return what it depends on.

    ``extra`` are references added by the Application (``kustomize.components``), taken
    relative to ``app_dir``.
    """
    real_root = root.resolve()
    pending: list[tuple[Path, tuple[str, ...]]] = [(app_dir.resolve(), extra)]
    directories: set[Path] = set()
    dependencies: set[str] = set()
    while pending:
        directory, added = pending.pop()
        if directory in directories:
            continue
        directories.add(directory)
        dependencies.add(repo_relative(real_root, directory))
        file = find_kustomization(directory)
        if file is None:
            continue
        shown = f"{subject}: {repo_relative(real_root, file)}"
        for reference in [*references(load_kustomization(file, shown)), *added]:
            if is_remote(reference):
                if not allow_remote:
                    where = repo_relative(real_root, file)
                    raise PathEscape(f"{subject}: {where}: remote resource {reference!r} refused")
                continue
            target = resolve_from(real_root, directory, reference, subject, "kustomize resource")
            if target.real.is_dir():
                pending.append((target.real, ()))
            else:
                dependencies.add(target.relative)
    dependencies |= check_symlinks(real_root, sorted(directories), subject)
    return frozenset(dependencies)
