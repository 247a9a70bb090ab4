"""Rendering a source path at a checkout into Kubernetes objects.

With kustomize, Helm or plain directories of YAML and JSON; cached by commit, path and
options; every path kept inside the repository. The public surface::

    generator = ManifestGenerator(GitRepositories(cache_dir), CachedRenderer())
    generated = generator.generate(spec, RenderContext(app_name="web", namespace="web"))

    render_source(source, checkout_dir, context)   # one source, no Git, no cache
"""

from gitopsd.render.cache import CachedRenderer
from gitopsd.render.context import RenderContext, RenderLimits
from gitopsd.render.generator import GeneratedManifests, ManifestGenerator, is_ref_only
from gitopsd.render.rendering import Tool, detect_tool, render_source
from gitopsd.render.runner import SubprocessRunner, ToolRun, ToolRunner
from gitopsd.render.tools import RenderTools

__all__ = [
    "CachedRenderer",
    "GeneratedManifests",
    "ManifestGenerator",
    "RenderContext",
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
