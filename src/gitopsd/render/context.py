"""What a render depends on besides the files: the Application's context and the limits.

Both are frozen and hashable, so they are part of the render cache key. Built by the
reconciler (from the Application and the destination cluster) and by ``gitopsd render``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderContext:
    """The Application a source is rendered for.

    ``namespace`` is the destination namespace (``helm template --namespace``);
    ``kube_version`` and ``api_versions`` are what Helm's ``.Capabilities`` report.
    ``source_repos`` are the AppProject's ``sourceRepos`` patterns, which every chart
    repository a render fetches from (Helm dependencies, kustomize ``helmCharts``) must
    match; None (``gitopsd render`` without a project) allows any. ``project`` names the
    project in errors.
    """

    app_name: str
    namespace: str
    kube_version: str = "v1.36.3"
    api_versions: tuple[str, ...] = ()
    source_repos: tuple[str, ...] | None = None
    project: str = ""


@dataclass(frozen=True)
class RenderLimits:
    """Bounds on one render.

    - ``timeout_seconds``: wall time per tool run; the tool's process group is killed past
      it (RenderTimeout).
    - ``max_bytes``: manifests read or produced per render (RenderTooLarge).
    - ``allow_remote_bases``: let kustomize load ``http(s)://``/``git@``/``github.com/``
      resources; off by default, since a render must not depend on a second remote.
    """

    timeout_seconds: float = 90.0
    max_bytes: int = 10 * 1024 * 1024
    allow_remote_bases: bool = False
