"""The ``git`` generator: parameter sets from a repository's directories or files.

``directories[{path, exclude}]``: every directory matching an include pattern and no
exclude pattern. ``files[{path, exclude}]``: every matching JSON/YAML file; a file holding
an object gives one parameter set, a list of objects one per item. Path parameters follow
Argo CD (``path``, ``path.basename``, ``path.basenameNormalized``, ``path[n]``, and for
files ``path.filename``, ``path.filenameNormalized``; in Go template mode ``.path.path``,
``.path.segments``...), under ``pathParamPrefix`` when set. File contents are flattened
with dots in fasttemplate mode and kept nested in Go template mode.
"""

from __future__ import annotations

import posixpath
from typing import Any

from gitopsd.appset.generators.context import GeneratorContext
from gitopsd.appset.params import Params, append_values, flatten, path_params
from gitopsd.errors import SpecError
from gitopsd.model.yaml_loader import YAMLError, load_yaml


def generate(body: dict[str, Any], ctx: GeneratorContext) -> list[Params]:
    repo_url = str(body.get("repoURL") or "")
    if not repo_url:
        raise SpecError("repoURL is required")
    directories, files = body.get("directories") or [], body.get("files") or []
    if bool(directories) == bool(files):
        raise SpecError("exactly one of directories or files is required")
    sha = ctx.repos.resolve(repo_url, str(body.get("revision") or "HEAD"))
    if directories:
        found = _directory_params(body, repo_url, sha, directories, ctx)
    else:
        found = _file_params(body, repo_url, sha, files, ctx)
    for params in found:
        append_values(body.get("values"), params, ctx.renderer)
    return found


def _patterns(items: list[Any], *, exclude: bool) -> list[str]:
    patterns = []
    for item in items:
        if not isinstance(item, dict) or not item.get("path"):
            raise SpecError("each directories/files entry needs a path")
        if bool(item.get("exclude", False)) == exclude:
            patterns.append(str(item["path"]))
    return patterns


def _matching(
    ctx: GeneratorContext, repo_url: str, sha: str, items: list[Any], *, dirs: bool
) -> list[str]:
    list_paths = ctx.repos.list_dirs if dirs else ctx.repos.list_files
    included: set[str] = set()
    for pattern in _patterns(items, exclude=False):
        included.update(list_paths(repo_url, sha, pattern))
    for pattern in _patterns(items, exclude=True):
        included.difference_update(list_paths(repo_url, sha, pattern))
    return sorted(included)


def _directory_params(
    body: dict[str, Any], repo_url: str, sha: str, items: list[Any], ctx: GeneratorContext
) -> list[Params]:
    prefix = str(body.get("pathParamPrefix") or "")
    go_template = ctx.renderer.go_template
    return [
        path_params(d, prefix=prefix, go_template=go_template)
        for d in _matching(ctx, repo_url, sha, items, dirs=True)
    ]


def _file_params(
    body: dict[str, Any], repo_url: str, sha: str, items: list[Any], ctx: GeneratorContext
) -> list[Params]:
    prefix = str(body.get("pathParamPrefix") or "")
    found: list[Params] = []
    for path in _matching(ctx, repo_url, sha, items, dirs=False):
        for content in _objects(path, ctx.repos.read_file(repo_url, sha, path)):
            params = content if ctx.renderer.go_template else flatten(content)
            where = path_params(
                posixpath.dirname(path) or ".",
                prefix=prefix,
                go_template=ctx.renderer.go_template,
                file=path,
            )
            found.append({**params, **where})
    return found


def _objects(path: str, data: bytes) -> list[dict[str, Any]]:
    try:
        loaded = load_yaml(data)  # dates stay strings, as Argo CD reads them (through JSON)
    except YAMLError as error:
        raise SpecError(f"unable to process file '{path}': {error}") from error
    if loaded is None:
        return [{}]
    if isinstance(loaded, dict):
        return [loaded]
    if isinstance(loaded, list) and all(isinstance(item, dict) for item in loaded):
        return loaded
    raise SpecError(f"unable to process file '{path}': expected an object or a list of objects")
