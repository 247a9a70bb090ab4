"""``resource.exclusions`` / ``resource.inclusions``: kinds gitopsd leaves alone.

Argo CD's shape: a list of ``{apiGroups, kinds, clusters}`` glob lists; a missing or empty
list matches everything. An excluded kind is neither applied, nor compared, nor pruned,
nor counted as an orphan. With inclusions configured, only included kinds are managed.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitopsd.model.globs import glob_match


@dataclass(frozen=True)
class ResourceFilter:
    api_groups: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()

    def matches(self, group: str, kind: str, cluster: str) -> bool:
        return (
            _any(self.api_groups, group) and _any(self.kinds, kind) and _any(self.clusters, cluster)
        )


@dataclass(frozen=True)
class ResourceFilters:
    exclusions: tuple[ResourceFilter, ...] = ()
    inclusions: tuple[ResourceFilter, ...] = ()

    def excluded(self, group: str, kind: str, cluster: str) -> bool:
        if any(f.matches(group, kind, cluster) for f in self.exclusions):
            return True
        return bool(self.inclusions) and not any(
            f.matches(group, kind, cluster) for f in self.inclusions
        )


def _any(patterns: tuple[str, ...], value: str) -> bool:
    return not patterns or any(glob_match(pattern, value) for pattern in patterns)
