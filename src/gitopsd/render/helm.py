"""Helm chart sources rendered with ``helm template``, as Argo CD renders them.

Release name (default: the app name), destination namespace, ``--kube-version`` and
``--api-versions`` from the context; ``valueFiles`` relative to the chart path (``$ref/…``
reads from another source's checkout), then ``values`` — or ``valuesObject``, which wins
over ``values`` — then ``parameters`` (``--set``/``--set-string``). CRDs are included
unless ``skipCrds``. Vendored dependencies in ``charts/`` are used as they are; nothing is
downloaded (never ``--dependency-update``; plugins, repositories and caches are empty
temporary directories). Called by :func:`gitopsd.render.rendering.render_source`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path

from gitopsd.errors import PathEscape, RenderError
from gitopsd.render.context import RenderContext, RenderLimits
from gitopsd.render.manifests import Rendered, parse_stream
from gitopsd.render.paths import RepoPath, check_symlinks, resolve_from
from gitopsd.render.runner import ToolRun, ToolRunner
from gitopsd.render.tools import find_binary, sealed_environment
from gitopsd.spec import HelmOptions


def render_helm(
    root: Path,
    chart: RepoPath,
    options: HelmOptions | None,
    *,
    context: RenderContext,
    limits: RenderLimits,
    runner: ToolRunner,
    binary: str,
    subject: str,
    ref_roots: Mapping[str, Path],
) -> Rendered:
    options = options or HelmOptions()
    dependencies = {chart.relative, *check_symlinks(root, [chart.real], subject)}
    value_files: list[Path] = []
    for name in options.value_files:
        resolved = _value_file(root, chart, name, subject, ref_roots, options)
        if resolved is not None:
            value_files.append(resolved.real)
            if not name.startswith("$"):
                dependencies.add(resolved.relative)
    executable = find_binary(binary, subject)
    with tempfile.TemporaryDirectory(prefix="gitopsd-helm-") as scratch:
        argv = [executable, "template", options.release_name or context.app_name, str(chart.real)]
        argv += _context_flags(context, options)
        for path in value_files:
            argv += ["--values", str(path)]
        inline = _inline_values(options, Path(scratch))
        if inline is not None:
            argv += ["--values", str(inline)]
        argv += parameter_flags(options)
        call = ToolRun(
            argv=argv,
            cwd=Path(scratch),
            env=sealed_environment(Path(scratch) / "env"),
            timeout_seconds=limits.timeout_seconds,
            max_bytes=limits.max_bytes,
            subject=subject,
        )
        output = runner.run(call)
    objects = parse_stream(output.decode("utf-8", "replace"), f"{subject}: helm template output")
    return Rendered(objects=objects, dependencies=frozenset(dependencies))


def _context_flags(context: RenderContext, options: HelmOptions) -> list[str]:
    flags = ["--kube-version", context.kube_version]
    if context.namespace:
        flags += ["--namespace", context.namespace]
    for api_version in sorted(context.api_versions):
        flags += ["--api-versions", api_version]
    flags.append("--skip-crds" if options.skip_crds else "--include-crds")
    return flags


def parameter_flags(options: HelmOptions) -> list[str]:
    flags: list[str] = []
    for name, value, force_string in options.parameters:
        flags += ["--set-string" if force_string else "--set", f"{name}={value}"]
    return flags


def _inline_values(options: HelmOptions, scratch: Path) -> Path | None:
    if options.values_object is not None:
        text = json.dumps(options.values_object, sort_keys=True)  # JSON is YAML
    elif options.values.strip():
        text = options.values
    else:
        return None
    path = scratch / "inline-values.yaml"
    path.write_text(text)
    return path


def _value_file(
    root: Path,
    chart: RepoPath,
    name: str,
    subject: str,
    ref_roots: Mapping[str, Path],
    options: HelmOptions,
) -> RepoPath | None:
    """The checked path of one value file; None when missing and allowed to be."""
    if "://" in name:
        raise PathEscape(f"{subject}: value file {name!r} is remote; only repository files")
    if name.startswith("$"):
        ref, _, rest = name[1:].partition("/")
        if ref not in ref_roots:
            raise RenderError(f"{subject}: value file {name!r} names no source with ref {ref!r}")
        base_root = ref_roots[ref]
        resolved = resolve_from(base_root, base_root, rest or ".", subject, "value file")
    else:
        resolved = resolve_from(root, chart.real, name, subject, "value file")
    if resolved.real.is_file():
        return resolved
    if options.ignore_missing_value_files:
        return None
    raise RenderError(f"{subject}: value file {name!r} not found")
