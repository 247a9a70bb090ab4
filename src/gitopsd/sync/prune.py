"""Deleting what Git no longer has: the execution half of pruning.

Which objects may be pruned is decided by ``gitopsd.plan`` (inventory minus desired,
restricted to objects that still carry this application's tracking). This module deletes
them in the given (reverse sync) order, continues past failures, and reports one result
per object; objects whose deletion failed stay in the inventory so the next pass retries.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitopsd.errors import ClusterError
from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import ResultCode
from gitopsd.ports import ClusterPort
from gitopsd.sync.results import ResourceResult


@dataclass(frozen=True)
class PruneRequest:
    # (key, propagation), in deletion order: after the Sync phase, and PruneLast ones after
    # the PostSync phase.
    delete: tuple[tuple[ResourceKey, str], ...]
    delete_last: tuple[tuple[ResourceKey, str], ...] = ()
    skipped: tuple[ResourceResult, ...] = ()  # Prune=false, awaiting confirmation, foreign
    dry_run: bool = False
    # Some Prune=confirm object waits for an approval newer than the need for it.
    confirmation_pending: bool = False


@dataclass(frozen=True)
class PruneOutcome:
    results: tuple[ResourceResult, ...]
    failed_keys: frozenset[ResourceKey]

    @property
    def failed(self) -> bool:
        return bool(self.failed_keys)

    @property
    def message(self) -> str:
        failures = [r.message for r in self.results if r.failed]
        return "; ".join(failures) if failures else ""


def prune(cluster: ClusterPort, request: PruneRequest, *, last: bool = False) -> PruneOutcome:
    """Delete the Sync-phase prune list, or with ``last`` the PruneLast list."""
    results: list[ResourceResult] = [] if last else list(request.skipped)
    failed: set[ResourceKey] = set()
    for key, propagation in request.delete_last if last else request.delete:
        try:
            cluster.delete(key, propagation=propagation, dry_run=request.dry_run)
        except ClusterError as error:
            failed.add(key)
            results.append(ResourceResult(key, ResultCode.FAILED, f"{key}: prune failed: {error}"))
            continue
        results.append(ResourceResult(key, ResultCode.PRUNED))
    return PruneOutcome(tuple(results), frozenset(failed))
