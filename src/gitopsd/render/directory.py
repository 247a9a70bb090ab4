"""Plain directories of YAML and JSON manifests, as Argo CD's ``directory`` source type.

Reads ``*.yaml``, ``*.yml`` and ``*.json`` in the path (and below with ``recurse``,
skipping hidden directories) and evaluates ``*.jsonnet`` files
(:mod:`gitopsd.render.jsonnet`), filtered by ``include``/``exclude`` globs matched against the path
relative to the app directory (``*`` crosses ``/`` as in Argo CD; ``{a,b}`` lists
alternatives). Files are read in sorted order; the total size is bounded. Called by
:func:`gitopsd.render.rendering.render_source`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitopsd.errors import ManifestError, RenderTooLarge
from gitopsd.render.context import RenderLimits
from gitopsd.render.jsonnet import render_jsonnet_file
from gitopsd.render.manifests import Rendered, objects_from_documents, parse_documents, parse_json
from gitopsd.render.paths import RepoPath, check_symlinks, repo_relative
from gitopsd.render.runner import SubprocessRunner, ToolRunner
from gitopsd.source.globs import glob_match
from gitopsd.spec import DirectoryOptions

JSONNET_SUFFIX = ".jsonnet"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json", JSONNET_SUFFIX)


def render_directory(
    root: Path,
    app: RepoPath,
    options: DirectoryOptions | None,
    *,
    limits: RenderLimits,
    subject: str,
    app_name: str,
    runner: ToolRunner | None = None,
) -> Rendered:
    """Objects from the manifest files of ``app`` (unsorted; the caller sorts).

    Errors about one file start with ``<app name>: <repository-relative file>``.
    """
    extra = check_symlinks(root, [app.real], subject)
    options = options or DirectoryOptions()
    objects: list[dict[str, Any]] = []
    total = 0
    jsonnet = False
    for path in manifest_files(app.real, options):
        total += path.stat().st_size
        if total > limits.max_bytes:
            raise RenderTooLarge(f"{subject}: manifests exceed {limits.max_bytes} bytes")
        shown = f"{app_name}: {repo_relative(root.resolve(), path)}"
        if path.suffix.lower() == JSONNET_SUFFIX:
            run = runner or SubprocessRunner()
            found = render_jsonnet_file(
                root, path, options.jsonnet, limits=limits, runner=run, shown=shown
            )
            objects.extend(found)
            jsonnet = True
        else:
            objects.extend(_read_file(path, shown))
    # Jsonnet may import any file of the repository (or a lib): depend on all of it.
    dependencies = {".", *extra} if jsonnet else {app.relative, *extra}
    return Rendered(objects=objects, dependencies=frozenset(dependencies))


def manifest_files(directory: Path, options: DirectoryOptions) -> list[Path]:
    """Manifest files under ``directory`` that the options select, sorted by relative path."""
    selected: list[tuple[str, Path]] = []
    for path in _walk(directory, options.recurse):
        relative = path.relative_to(directory).as_posix()
        if options.include and not glob_match(options.include, relative, path_aware=False):
            continue
        if options.exclude and glob_match(options.exclude, relative, path_aware=False):
            continue
        selected.append((relative, path))
    return [path for _, path in sorted(selected)]


def _walk(directory: Path, recurse: bool) -> list[Path]:
    """Manifest files, following in-repo symlinked directories once (paths checked already)."""
    files: list[Path] = []
    pending = [directory]
    seen: set[Path] = set()
    while pending:
        current = pending.pop()
        if current.resolve() in seen:
            continue
        seen.add(current.resolve())
        for entry in current.iterdir():
            if entry.is_dir():
                if recurse and not entry.name.startswith("."):
                    pending.append(entry)
            elif entry.suffix.lower() in MANIFEST_SUFFIXES and entry.is_file():
                files.append(entry)
    return files


def _read_file(path: Path, shown: str) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ManifestError(f"{shown}: not UTF-8 text") from error
    if path.suffix.lower() == ".json":
        return objects_from_documents(parse_json(text, shown), shown)
    return objects_from_documents(parse_documents(text, shown), shown)
