"""Generating an ApplicationSet's Applications: generators -> parameters -> templates.

``generate`` is pure apart from the ports it is given (Git files, cluster list). Every
failure is raised (``SpecError``, ``SourceError``, ``ClusterError``) with the
ApplicationSet's id first; nothing is ever returned half-done, so callers can tell an
empty generation from a failed one. Called by :mod:`gitopsd.appset.reconcile` and
``gitopsd appset generate``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gitopsd.appset.application import build_application
from gitopsd.appset.generators import GeneratorContext, generate_params
from gitopsd.appset.manifest import AppSetSpec, parse_appset
from gitopsd.appset.ports import Clusters, RepoFiles
from gitopsd.appset.template import Renderer, merge_template
from gitopsd.errors import ClusterError, GitopsdError, SpecError


def generate(
    appset: AppSetSpec | dict[str, Any], *, repos: RepoFiles, clusters: Clusters = ()
) -> list[dict[str, Any]]:
    """The Application bodies ``appset`` generates, sorted by name then namespace."""
    spec = appset if isinstance(appset, AppSetSpec) else parse_appset(appset)
    try:
        applications = list(_applications(spec, repos, clusters))
        _check_unique(applications)
    except GitopsdError as error:
        raise _prefixed(error, spec.id) from error
    return sorted(applications, key=_sort_key)


def _applications(
    spec: AppSetSpec, repos: RepoFiles, clusters: Clusters
) -> Iterator[dict[str, Any]]:
    renderer = Renderer(spec.go_template, spec.missing_key)
    ctx = GeneratorContext.create(renderer, repos, clusters)
    for index, entry in enumerate(spec.generators):
        template = merge_template(entry.get("template") or {}, spec.template)
        try:
            for params in generate_params(entry, ctx):
                yield build_application(spec, renderer.value(template, params))
        except SpecError as error:
            raise SpecError(f"generators[{index}]: {error}") from error


def _sort_key(application: dict[str, Any]) -> tuple[str, str]:
    meta = application["metadata"]
    return str(meta["name"]), str(meta["namespace"])


def _check_unique(applications: list[dict[str, Any]]) -> None:
    seen: set[tuple[str, str]] = set()
    for application in applications:
        key = _sort_key(application)
        if key in seen:
            raise SpecError(f"duplicate generated Application Application/{key[1]}/{key[0]}")
        seen.add(key)


def _prefixed(error: GitopsdError, ident: str) -> GitopsdError:
    """The same kind of error with the ApplicationSet's id in front of its message."""
    message = f"{ident}: {error}"
    if isinstance(error, ClusterError):
        return type(error)(message, status=error.status, reason=error.reason)
    return type(error)(message)
