"""Rendering a source into Kubernetes objects.

With kustomize, Helm (charts from Git or from chart repositories), plain directories of
YAML, JSON and Jsonnet, or a config management plugin; cached by revision, path and
options; every path kept inside the repository. The public surface::

    generator = ManifestGenerator(GitRepositories(cache_dir), CachedRenderer())
    generated = generator.generate(spec, RenderContext(app_name="web", namespace="web"))

    render_source(source, checkout_dir, context)   # one source, no Git, no cache

    charts = ChartRepositories(cache_dir)          # chart sources and dependencies
    renderer = CachedRenderer(extensions=RenderExtensions(charts=charts, plugins=registry))
    ManifestGenerator(GitRepositories(cache_dir), renderer, charts)
"""

from gitopsd.render.cache import CachedRenderer
from gitopsd.render.context import RenderContext, RenderLimits
from gitopsd.render.generator import GeneratedManifests, ManifestGenerator, is_ref_only
from gitopsd.render.rendering import RenderExtensions, Tool, detect_tool, render_source
from gitopsd.render.runner import SubprocessRunner, ToolRun, ToolRunner
from gitopsd.render.tools import RenderTools

__all__ = [
    "CachedRenderer",
    "GeneratedManifests",
    "ManifestGenerator",
    "RenderContext",
    "RenderExtensions",
    "RenderLimits",
    "RenderTools",
    "SubprocessRunner",
    "Tool",
    "ToolRun",
    "ToolRunner",
    "detect_tool",
    "is_ref_only",
    "render_source",
]
