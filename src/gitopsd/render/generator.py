"""``ManifestGenerator``: an Application spec to the objects it deploys — the one call the
reconciler makes between Git and the desired set.

For each source: resolve its revision (or the caller's override, for rollbacks and
``operation.sync.revision``) to a SHA, then take the objects from the render cache, or
reuse the render of the last SHA seen for the same source when the commits in between did
not touch what it read, or check the commit out and render it. A ``chart`` source is
resolved by the chart cache instead (:class:`gitopsd.source.ChartRepositories`): its
revision is ``VERSION@DIGEST`` and it renders from the unpacked chart. Multi-source
applications concatenate the objects of their sources in order; a source that only
carries ``ref`` (Helm value files for the others, ``$ref/values.yaml``) contributes none,
and each source's revision is reported in order.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gitopsd.errors import GitopsdError, SourceError
from gitopsd.render.cache import CachedRenderer, render_key
from gitopsd.render.context import RenderContext
from gitopsd.source import ChartRepositories, CommitInfo, GitRepositories, ResolvedChart
from gitopsd.spec import ApplicationSpec, Source

_MEMORY = 16384  # last rendered SHA per (source, context), for change-based reuse


@dataclass(frozen=True)
class GeneratedManifests:
    """What one generation produced: objects, and the SHA and commit of every source."""

    objects: tuple[dict[str, Any], ...] = field(hash=False)
    revisions: tuple[str, ...]
    commits: tuple[CommitInfo, ...]


def is_ref_only(source: Source) -> bool:
    """A source that only lends its files to others (``ref`` set, no path or chart)."""
    return bool(source.ref) and source.path in ("", ".") and not source.chart


class ManifestGenerator:
    """Spec to objects through Git and the render cache (see the module docstring)."""

    def __init__(
        self,
        repos: GitRepositories,
        renderer: CachedRenderer,
        charts: ChartRepositories | None = None,
    ) -> None:
        self._repos = repos
        self._renderer = renderer
        self._charts = charts
        self._last: OrderedDict[str, str] = OrderedDict()
        self._guard = threading.Lock()

    def generate(
        self,
        spec: ApplicationSpec,
        context: RenderContext,
        *,
        revisions: Sequence[str] | None = None,
    ) -> GeneratedManifests:
        charts: dict[int, ResolvedChart] = {}
        shas: list[str] = []
        for index, source in enumerate(spec.sources):
            wanted = _revision(source, index, revisions)
            if source.chart:
                charts[index] = self._chart_source().resolve(source.repo_url, source.chart, wanted)
                shas.append(charts[index].revision)
            else:
                shas.append(self._repos.resolve(source.repo_url, wanted))
        commits = tuple(
            _chart_commit(charts[index])
            if index in charts
            else self._repos.commit_info(source.repo_url, sha)
            for index, (source, sha) in enumerate(zip(spec.sources, shas, strict=True))
        )
        objects: list[dict[str, Any]] = []
        try:
            ref_roots = self._ref_roots(spec.sources, shas)
            for index, (source, sha) in enumerate(zip(spec.sources, shas, strict=True)):
                if not is_ref_only(source):
                    chart = charts.get(index)
                    objects.extend(self._objects(source, sha, context, ref_roots, chart))
        except GitopsdError as error:
            # The revisions resolved but did not render: say which ones failed.
            error.revisions = tuple(shas)
            raise
        return GeneratedManifests(objects=tuple(objects), revisions=tuple(shas), commits=commits)

    def _chart_source(self) -> ChartRepositories:
        if self._charts is None:
            raise SourceError("Helm chart repositories are not available to this controller")
        return self._charts

    def _objects(
        self,
        source: Source,
        sha: str,
        context: RenderContext,
        ref_roots: Mapping[str, Path],
        chart: ResolvedChart | None = None,
    ) -> list[dict[str, Any]]:
        url = source.repo_url
        cached = self._renderer.lookup(url, sha, source, context, ref_roots=ref_roots)
        if cached is None and chart is not None:
            root = self._chart_source().chart_dir(chart)
            return self._renderer.render(url, sha, source, root, context, ref_roots=ref_roots)
        if chart is not None:
            return cached or []
        if cached is None:
            cached = self._reuse(source, sha, context, ref_roots)
        if cached is None:
            root = self._repos.checkout(url, sha)
            cached = self._renderer.render(url, sha, source, root, context, ref_roots=ref_roots)
        self._remember(source, context, ref_roots, sha)
        return cached

    def _reuse(
        self, source: Source, sha: str, context: RenderContext, ref_roots: Mapping[str, Path]
    ) -> list[dict[str, Any]] | None:
        with self._guard:
            last = self._last.get(_memory_key(source, context, ref_roots))
        if last is None or last == sha:
            return None
        try:
            changed = self._repos.changed_paths(source.repo_url, last, sha)
        except SourceError:
            return None  # e.g. the old commit is gone after a force-push: just render
        return self._renderer.reuse_if_unaffected(
            source.repo_url, last, sha, source, context, changed, ref_roots=ref_roots
        )

    def _remember(
        self, source: Source, context: RenderContext, ref_roots: Mapping[str, Path], sha: str
    ) -> None:
        key = _memory_key(source, context, ref_roots)
        with self._guard:
            self._last[key] = sha
            self._last.move_to_end(key)
            while len(self._last) > _MEMORY:
                self._last.popitem(last=False)

    def _ref_roots(self, sources: Sequence[Source], shas: Sequence[str]) -> dict[str, Path]:
        """Checkouts of ``ref`` sources, only when some Helm source reads ``$ref/`` files."""
        wanted = any(
            value_file.startswith("$")
            for source in sources
            if source.helm is not None
            for value_file in source.helm.value_files
        )
        if not wanted:
            return {}
        return {
            source.ref: self._repos.checkout(source.repo_url, sha)
            for source, sha in zip(sources, shas, strict=True)
            if source.ref and not source.chart
        }


def _chart_commit(chart: ResolvedChart) -> CommitInfo:
    """What history and events say about a chart revision: no author, the chart named."""
    return CommitInfo(
        sha=chart.revision,
        author="",
        email="",
        date=datetime.fromtimestamp(0, tz=UTC),
        message=f"chart {chart.chart} {chart.version}",
    )


def _revision(source: Source, index: int, revisions: Sequence[str] | None) -> str:
    if revisions is not None and index < len(revisions) and revisions[index]:
        return revisions[index]
    return source.target_revision


def _memory_key(source: Source, context: RenderContext, ref_roots: Mapping[str, Path]) -> str:
    # Ref checkouts are keyed by SHA, so their paths change with every ref commit; the
    # memory must not, or a new ref commit would hide the previous render.
    return render_key(source.repo_url, "", source, context, {k: Path() for k in ref_roots})
