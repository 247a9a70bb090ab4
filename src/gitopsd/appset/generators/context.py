"""What every generator receives: the renderer, Git access and the cluster list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from gitopsd.appset.ports import ClusterInfo, Clusters, RepoFiles
from gitopsd.appset.template import Renderer


@dataclass(frozen=True)
class GeneratorContext:
    renderer: Renderer
    repos: RepoFiles
    clusters: Callable[[], Sequence[ClusterInfo]]

    @classmethod
    def create(cls, renderer: Renderer, repos: RepoFiles, clusters: Clusters) -> GeneratorContext:
        return cls(renderer, repos, _ClusterLoader(clusters))


@dataclass
class _ClusterLoader:
    """Lists clusters at most once per generation, and only if a generator asks."""

    source: Clusters
    _loaded: tuple[ClusterInfo, ...] | None = field(default=None)

    def __call__(self) -> Sequence[ClusterInfo]:
        if self._loaded is None:
            listed = self.source() if callable(self.source) else self.source
            self._loaded = tuple(listed)
        return self._loaded
