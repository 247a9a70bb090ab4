"""Comparing the desired set with the live state: what is out of sync, and how healthy.

For every desired object present in the cluster, the prediction of the live object after
apply comes from a server-side-apply dry run, memoised on (desired content, live
resourceVersion) so a pass over unchanged inputs makes no dry-run calls at all. Missing
objects need no prediction. Called by the reconciler (and ``gitopsd app diff`` through the
same assessment); the result, a core :class:`gitopsd.diff.Comparison`, feeds the sync
pass and the status.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from gitopsd.desired import DesiredObject, DesiredSet
from gitopsd.diff import (
    Comparison,
    DiffOptions,
    ObjectComparison,
    diff_object,
    is_ignored_extraneous,
)
from gitopsd.diff.normalize import without_status_and_managed_fields
from gitopsd.errors import ClusterError
from gitopsd.health import Health, HealthAssessor
from gitopsd.model.annotations import (
    FIELD_MANAGER,
)
from gitopsd.model.keys import ResourceKey
from gitopsd.model.sync_options import NO_OPTIONS, SyncOptions
from gitopsd.model.vocab import HealthStatus
from gitopsd.ports import ClusterPort
from gitopsd.sync.live import LiveState


def content_hash(obj: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


@dataclass
class DryRunMemo:
    """Predictions by object, valid while the desired content and live version are the same.

    Shared across passes and applications of one cluster; thread-safe.
    """

    entries: dict[ResourceKey, tuple[str, str, dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def lookup(
        self, key: ResourceKey, desired_hash: str, live_version: str
    ) -> dict[str, Any] | None:
        with self.lock:
            entry = self.entries.get(key)
        if entry and entry[0] == desired_hash and entry[1] == live_version:
            return entry[2]
        return None

    def store(self, key: ResourceKey, desired_hash: str, result: dict[str, Any]) -> None:
        """Remember ``result`` (a real apply response) as the prediction: an apply bumps
        resourceVersion, so the response's own version is the live one it predicts."""
        version = str((result.get("metadata") or {}).get("resourceVersion", ""))
        self.remember(key, desired_hash, version, result)

    def remember(
        self, key: ResourceKey, desired_hash: str, live_version: str, result: dict[str, Any]
    ) -> dict[str, Any]:
        """Keep ``result`` as the prediction for ``live_version``; returns what is kept:
        not its status nor its managedFields, which the diff normalises away (drift
        managers come from the live object). They are most of a response, and the memo
        holds one per managed object for as long as it is unchanged."""
        kept = without_status_and_managed_fields(result)
        with self.lock:
            self.entries[key] = (desired_hash, live_version, kept)
        return kept

    def forget(self, key: ResourceKey) -> None:
        with self.lock:
            self.entries.pop(key, None)


@dataclass(frozen=True)
class CompareOptions:
    diff: DiffOptions = field(default_factory=DiffOptions)
    app_sync_options: SyncOptions = NO_OPTIONS


def compare(
    cluster: ClusterPort,
    desired: DesiredSet,
    live: LiveState,
    inventory: frozenset[ResourceKey],
    *,
    memo: DryRunMemo,
    assessor: HealthAssessor,
    options: CompareOptions,
) -> Comparison:
    results: list[ObjectComparison] = []
    for item in desired.resources:
        results.append(_compare_one(cluster, item, live.get(item.key), memo, assessor, options))
    desired_keys = desired.keys()
    for key in sorted(inventory - desired_keys):
        obj = live.get(key)
        if obj is None:
            continue
        ignored = is_ignored_extraneous(obj)
        results.append(
            ObjectComparison(
                key=key,
                desired=None,
                live=obj,
                diff=None,
                in_sync=ignored,
                health=assessor.assess(obj),
                requires_pruning=True,
            )
        )
    return Comparison.of(results)


def _compare_one(
    cluster: ClusterPort,
    item: DesiredObject,
    live: dict[str, Any] | None,
    memo: DryRunMemo,
    assessor: HealthAssessor,
    options: CompareOptions,
) -> ObjectComparison:
    health = assessor.assess(live) if live is not None else Health(HealthStatus.MISSING, "")
    if live is None:
        diff = diff_object(item.key, item.obj, None, options.diff)
        return ObjectComparison(item.key, item, None, diff, False, health)
    own = options.app_sync_options.overridden_by(item.sync_options)
    skip_dry_run = item.unknown_kind and own.skip_dry_run_on_missing_resource
    try:
        predicted = item.obj if skip_dry_run else predict(cluster, item, live, memo)
    except ClusterError as error:
        return ObjectComparison(item.key, item, live, None, False, health, error=str(error))
    diff_options = replace(options.diff, dry_run_skipped=True) if skip_dry_run else options.diff
    diff = diff_object(item.key, predicted, live, diff_options)
    return ObjectComparison(item.key, item, live, diff, not diff.modified, health)


def predict(
    cluster: ClusterPort, item: DesiredObject, live: dict[str, Any], memo: DryRunMemo
) -> dict[str, Any]:
    """The live object as it would be after applying ``item`` (memoised dry run)."""
    desired_hash = content_hash(item.obj)
    live_version = str((live.get("metadata") or {}).get("resourceVersion", ""))
    cached = memo.lookup(item.key, desired_hash, live_version)
    if cached is not None:
        return cached
    predicted = cluster.apply(item.obj, dry_run=True, force=True, field_manager=FIELD_MANAGER)
    # A dry run does not bump resourceVersion, so the prediction is keyed on the live one.
    return memo.remember(item.key, desired_hash, live_version, predicted)
