"""``render_source``: one source path at one checkout to a sorted list of objects.

Chooses the tool — the one the spec names (``kustomize``/``helm``/``directory``/``plugin``
set), else by what the path holds: a kustomization file, then ``Chart.yaml``, else plain
manifests and Jsonnet — checks the path stays inside the repository, renders, validates and
sorts. A ``chart`` source is rendered from its unpacked chart (``repo_root`` is then the
chart's directory in the chart cache). Called by
:class:`gitopsd.render.cache.CachedRenderer` and ``gitopsd render``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from gitopsd.errors import RenderError, SpecError
from gitopsd.render.chart_deps import ChartSource
from gitopsd.render.context import RenderContext, RenderLimits
from gitopsd.render.directory import render_directory
from gitopsd.render.helm import render_helm
from gitopsd.render.kustomize import render_kustomize
from gitopsd.render.kustomize_refs import find_kustomization
from gitopsd.render.manifests import Rendered, sorted_objects
from gitopsd.render.paths import RepoPath, resolve_inside
from gitopsd.render.plugins import PluginRegistry, render_plugin
from gitopsd.render.runner import SubprocessRunner, ToolRunner
from gitopsd.render.support import check_supported
from gitopsd.render.tools import RenderTools
from gitopsd.spec import Source


class Tool(StrEnum):
    KUSTOMIZE = "Kustomize"
    HELM = "Helm"
    DIRECTORY = "Directory"
    PLUGIN = "Plugin"


@dataclass(frozen=True)
class RenderExtensions:
    """What renders may use beyond the checkout: the chart cache (Helm dependencies,
    kustomize ``helmCharts``) and the config management plugins the administrator
    declared. Both absent by default (``gitopsd render`` offline, unit tests)."""

    charts: ChartSource | None = None
    plugins: PluginRegistry = field(default_factory=PluginRegistry)


def render_source(
    source: Source,
    repo_root: Path,
    context: RenderContext,
    limits: RenderLimits = RenderLimits(),  # noqa: B008 - frozen, so a shared default is safe
    *,
    runner: ToolRunner | None = None,
    tools: RenderTools = RenderTools(),  # noqa: B008
    ref_roots: Mapping[str, Path] | None = None,
    extensions: RenderExtensions = RenderExtensions(),
) -> list[dict[str, Any]]:
    """The objects ``source`` renders to at ``repo_root``, sorted by group, kind, ns, name.

    Raises RenderError subclasses (never returns a partial or empty list on failure) and
    PathEscape. An empty directory renders to ``[]``.
    """
    rendered = render_with_dependencies(
        source, repo_root, context, limits, runner=runner, tools=tools, ref_roots=ref_roots,
        extensions=extensions,
    )  # fmt: skip
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
    extensions: RenderExtensions = RenderExtensions(),
    revision: str = "",
) -> Rendered:
    """:func:`render_source`, also returning the repository paths the render read."""
    subject = f"{context.app_name}: {source.chart or source.path}"
    if source.chart:
        source = dataclasses.replace(source, path=".")  # the chart is the whole tree
    try:
        return _render(
            source, repo_root, context, limits, runner, tools, ref_roots, subject, extensions,
            revision,
        )  # fmt: skip
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
    extensions: RenderExtensions,
    revision: str,
) -> Rendered:
    app = app_directory(repo_root, source.path, subject)
    tool = Tool.HELM if source.chart else detect_tool(source, app.real, subject)
    check_supported(source, app.real, subject, directory=tool is Tool.DIRECTORY)
    run = runner or SubprocessRunner()
    if tool is Tool.KUSTOMIZE:
        rendered = render_kustomize(
            repo_root, app, source.kustomize,
            limits=limits, runner=run, binary=tools.kustomize, subject=subject,
            charts=extensions.charts, context=context, helm_binary=tools.helm,
        )  # fmt: skip
    elif tool is Tool.HELM:
        rendered = render_helm(
            repo_root, app, source.helm, context=context, limits=limits, runner=run,
            binary=tools.helm, subject=subject, ref_roots=ref_roots or {},
            charts=extensions.charts,
        )  # fmt: skip
    elif tool is Tool.PLUGIN:
        assert source.plugin is not None
        rendered = render_plugin(
            repo_root, app, source, extensions.plugins,
            context=context, limits=limits, runner=run, subject=subject, revision=revision,
        )  # fmt: skip
    else:
        rendered = render_directory(
            repo_root, app, source.directory,
            limits=limits, subject=subject, app_name=context.app_name, runner=run,
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
            (Tool.PLUGIN, source.plugin),
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
