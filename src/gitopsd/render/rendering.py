"""``render_source``: one source path at one checkout to a sorted list of objects.

Chooses the tool — the one the spec names (``kustomize``/``helm``/``directory`` set), else
by what the path holds: a kustomization file, then ``Chart.yaml``, else plain manifests —
checks the path stays inside the repository, renders, validates and sorts. Called by
:class:`gitopsd.render.cache.CachedRenderer` and ``gitopsd render``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from gitopsd.errors import RenderError, SpecError
from gitopsd.render.context import RenderContext, RenderLimits
from gitopsd.render.directory import render_directory
from gitopsd.render.helm import render_helm
from gitopsd.render.kustomize import render_kustomize
from gitopsd.render.kustomize_refs import find_kustomization
from gitopsd.render.manifests import Rendered, sorted_objects
from gitopsd.render.paths import RepoPath, resolve_inside
from gitopsd.render.runner import SubprocessRunner, ToolRunner
from gitopsd.render.support import check_supported
from gitopsd.render.tools import RenderTools
from gitopsd.spec import Source


class Tool(StrEnum):
    KUSTOMIZE = "Kustomize"
    HELM = "Helm"
    DIRECTORY = "Directory"


def render_source(
    source: Source,
    repo_root: Path,
    context: RenderContext,
    limits: RenderLimits = RenderLimits(),  # noqa: B008 - frozen, so a shared default is safe
    *,
    runner: ToolRunner | None = None,
    tools: RenderTools = RenderTools(),  # noqa: B008
    ref_roots: Mapping[str, Path] | None = None,
) -> list[dict[str, Any]]:
    """The objects ``source`` renders to at ``repo_root``, sorted by group, kind, ns, name.

    Raises RenderError subclasses (never returns a partial or empty list on failure) and
    PathEscape. An empty directory renders to ``[]``.
    """
    rendered = render_with_dependencies(
        source, repo_root, context, limits, runner=runner, tools=tools, ref_roots=ref_roots
    )
    return rendered.objects


def render_with_dependencies(
    source: Source,
    repo_root: Path,
    context: RenderContext,
    limits: RenderLimits,
    *,
    runner: ToolRunner | None = None,
    tools: RenderTools = RenderTools(),  # noqa: B008
    ref_roots: Mapping[str, Path] | None = None,
) -> Rendered:
    """:func:`render_source`, also returning the repository paths the render read."""
    subject = f"{context.app_name}: {source.path}"
    if source.chart:
        raise RenderError(
            f"{subject}: Helm repository charts are not supported; vendor chart "
            f"{source.chart!r} into Git and point path at it"
        )
    try:
        return _render(source, repo_root, context, limits, runner, tools, ref_roots, subject)
    except OSError as error:  # a file we read or wrote; its path would name our cache
        reason = error.strerror or type(error).__name__
        raise RenderError(f"{subject}: cannot read or stage the source: {reason}") from error


def _render(
    source: Source,
    repo_root: Path,
    context: RenderContext,
    limits: RenderLimits,
    runner: ToolRunner | None,
    tools: RenderTools,
    ref_roots: Mapping[str, Path] | None,
    subject: str,
) -> Rendered:
    app = app_directory(repo_root, source.path, subject)
    tool = detect_tool(source, app.real, subject)
    check_supported(source, app.real, subject, directory=tool is Tool.DIRECTORY)
    run = runner or SubprocessRunner()
    if tool is Tool.KUSTOMIZE:
        rendered = render_kustomize(
            repo_root, app, source.kustomize,
            limits=limits, runner=run, binary=tools.kustomize, subject=subject,
        )  # fmt: skip
    elif tool is Tool.HELM:
        rendered = render_helm(
            repo_root, app, source.helm, context=context, limits=limits, runner=run,
            binary=tools.helm, subject=subject, ref_roots=ref_roots or {},
        )  # fmt: skip
    else:
        rendered = render_directory(
            repo_root, app, source.directory,
            limits=limits, subject=subject, app_name=context.app_name,
        )  # fmt: skip
    return Rendered(sorted_objects(rendered.objects), rendered.dependencies)


def app_directory(repo_root: Path, path: str, subject: str) -> RepoPath:
    """The checked, existing app directory; RenderError when missing."""
    app = resolve_inside(repo_root, path, subject)
    if not app.real.exists():
        raise RenderError(f"{subject}: path {path!r} does not exist in the repository")
    if not app.real.is_dir():
        raise RenderError(f"{subject}: path {path!r} is a file, not a directory")
    return app


def detect_tool(source: Source, app_dir: Path, subject: str) -> Tool:
    explicit = [
        tool
        for tool, options in (
            (Tool.KUSTOMIZE, source.kustomize),
            (Tool.HELM, source.helm),
            (Tool.DIRECTORY, source.directory),
        )
        if options is not None
    ]
    if len(explicit) > 1:
        names = ", ".join(t.value.lower() for t in explicit)
        raise SpecError(f"{subject}: a source sets more than one of {names}")
    if explicit:
        return explicit[0]
    if find_kustomization(app_dir) is not None:
        return Tool.KUSTOMIZE
    if (app_dir / "Chart.yaml").is_file():
        return Tool.HELM
    return Tool.DIRECTORY
