"""Helm chart sources rendered with ``helm template``, as Argo CD renders them.

Release name (default: the app name), namespace (``helm.namespace``, else the
destination's), ``--kube-version`` and ``--api-versions`` (``helm.kubeVersion`` and
``helm.apiVersions``, else the cluster's); ``valueFiles`` relative to the chart path
(``$ref/…`` reads from another source's checkout), then ``values`` — or ``valuesObject``,
which wins over ``values`` — then ``parameters`` (``--set``/``--set-string``). CRDs are
included unless ``skipCrds``. Vendored dependencies in ``charts/`` are used as they are;
the others are fetched by gitopsd into a scratch copy of the chart
(:mod:`gitopsd.render.chart_deps`), so Helm itself downloads nothing (never
``--dependency-update``; plugins, repositories and caches are empty temporary
directories; no network, see :mod:`gitopsd.render.sandbox`).

The command line is built by :func:`helm_template_argv` alone: every value is checked
again (:mod:`gitopsd.model.tool_values`), every option is one ``--name=value`` word, and
the release name and chart come after ``--``, so no value can be read as an option —
``--post-renderer`` and ``--set-file`` are unreachable. Schemas that reference anything
outside themselves are refused (:mod:`gitopsd.render.chart_schemas`). Every value fed to
Helm is passed to the runner as secret material, so an error never repeats one.
Called by :func:`gitopsd.render.rendering.render_source`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitopsd.errors import ManifestError, PathEscape, RenderError, SpecError
from gitopsd.model import tool_values as check
from gitopsd.render.chart_deps import ChartSource, with_dependencies
from gitopsd.render.chart_schemas import check_chart_schemas
from gitopsd.render.context import RenderContext, RenderLimits
from gitopsd.render.manifests import Rendered, parse_documents, parse_stream
from gitopsd.render.paths import RepoPath, check_symlinks, resolve_from
from gitopsd.render.runner import ToolRun, ToolRunner
from gitopsd.render.sandbox import sealed_environment
from gitopsd.render.tools import find_binary
from gitopsd.spec import HelmOptions


@dataclass(frozen=True)
class HelmInvocation:
    """What one ``helm template`` is asked to do; :func:`helm_template_argv` checks it."""

    release_name: str
    chart_dir: Path
    namespace: str = ""
    kube_version: str = ""
    api_versions: tuple[str, ...] = ()
    include_crds: bool = True
    value_files: tuple[Path, ...] = ()  # absolute paths, in order
    parameters: tuple[tuple[str, str, bool], ...] = ()  # (name, value, forceString)


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
    charts: ChartSource | None = None,
) -> Rendered:
    options = options or HelmOptions()
    dependencies = {chart.relative, *check_symlinks(root, [chart.real], subject)}
    check_chart_schemas(chart.real, root, subject)
    value_files: list[Path] = []
    for name in options.value_files:
        resolved = _value_file(root, chart, name, subject, ref_roots, options)
        if resolved is not None:
            value_files.append(resolved.real)
            if not name.startswith("$"):
                dependencies.add(resolved.relative)
    executable = find_binary(binary, subject)
    with tempfile.TemporaryDirectory(prefix="gitopsd-helm-") as scratch:
        chart_dir = with_dependencies(
            chart.real, root, Path(scratch), charts=charts, context=context, subject=subject
        )
        if chart_dir != chart.real:
            check_chart_schemas(chart_dir, Path(scratch), subject)
        inline = _inline_values(options, Path(scratch))
        invocation = HelmInvocation(
            release_name=options.release_name or context.app_name,
            chart_dir=chart_dir,
            namespace=options.namespace or context.namespace,
            kube_version=options.kube_version or context.kube_version,
            api_versions=options.api_versions or context.api_versions,
            include_crds=not options.skip_crds,
            value_files=(*value_files, *([inline] if inline is not None else [])),
            parameters=options.parameters,
        )
        call = ToolRun(
            argv=helm_template_argv(executable, invocation, subject),
            cwd=Path(scratch),
            env=sealed_environment(Path(scratch) / "env"),
            timeout_seconds=limits.timeout_seconds,
            max_bytes=limits.max_bytes,
            subject=subject,
            paths=_private_paths(root, ref_roots),
            secrets=tuple(secret_values(invocation.value_files, options)),
        )
        output = runner.run(call)
    objects = parse_stream(output.decode("utf-8", "replace"), f"{subject}: helm template output")
    return Rendered(objects=objects, dependencies=frozenset(dependencies))


def helm_template_argv(executable: str, invocation: HelmInvocation, subject: str) -> list[str]:
    """The ``helm template`` command line; SpecError for a value Helm would misread."""
    _check_invocation(invocation, subject)
    argv = [executable, "template"]
    if invocation.kube_version:
        argv.append(f"--kube-version={invocation.kube_version}")
    if invocation.namespace:
        argv.append(f"--namespace={invocation.namespace}")
    argv += [f"--api-versions={api}" for api in sorted(invocation.api_versions)]
    argv.append("--include-crds" if invocation.include_crds else "--skip-crds")
    argv += [f"--values={path}" for path in invocation.value_files]
    for name, value, force_string in invocation.parameters:
        flag = "--set-string" if force_string else "--set"
        argv.append(f"{flag}={name}={check.escape_set_value(value)}")
    return [*argv, "--", invocation.release_name, str(invocation.chart_dir)]


def _check_invocation(invocation: HelmInvocation, subject: str) -> None:
    problems: list[tuple[str, str | None]] = [
        ("release name", check.release_name_problem(invocation.release_name))
    ]
    if invocation.namespace:
        problems.append(("namespace", check.namespace_problem(invocation.namespace)))
    if invocation.kube_version:
        problems.append(("kube version", check.kube_version_problem(invocation.kube_version)))
    problems += [("api versions", check.api_version_problem(a)) for a in invocation.api_versions]
    for name, value, _ in invocation.parameters:
        problems.append(("parameter", check.helm_parameter_name_problem(name)))
        problems.append(("parameter", check.helm_parameter_value_problem(value)))
    for what, problem in problems:
        if problem:
            raise SpecError(f"{subject}: helm {what}: {problem}")
    for path in (invocation.chart_dir, *invocation.value_files):
        if not path.is_absolute():
            raise RenderError(f"{subject}: helm is given only absolute paths")


def _private_paths(root: Path, ref_roots: Mapping[str, Path]) -> dict[str, str]:
    """Checkout paths as error messages show them: relative, or ``$ref/`` for ref sources."""
    paths = {str(root): "", str(root.resolve()): ""}
    for ref, ref_root in ref_roots.items():
        paths[str(ref_root)] = paths[str(ref_root.resolve())] = f"${ref}"
    return paths


def secret_values(value_files: Sequence[Path], options: HelmOptions) -> Iterator[str]:
    """Every string the Application gives Helm as a value: value files (inline values are
    one of them), ``valuesObject`` and parameters. The chart's own defaults are not
    included: they are common words that would garble messages, and no secret."""
    for path in value_files:
        if path.is_file():
            yield from _leaf_strings_of_file(path)
    yield from _leaf_strings(options.values_object)
    yield from (value for _, value, _ in options.parameters)


def _leaf_strings_of_file(path: Path) -> Iterator[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        documents = parse_documents(text, path.name)
    except ManifestError:
        yield from (line.partition(":")[2] for line in text.splitlines())
        return
    for document in documents:
        yield from _leaf_strings(document)


def _leaf_strings(node: Any) -> Iterator[str]:
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)
        elif isinstance(current, str):
            yield current


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
