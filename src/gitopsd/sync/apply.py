"""Applying one desired object, honouring its sync options.

Server-side apply with field manager ``gitopsd`` and forced conflicts is the default;
``Replace=true`` PUTs the whole object, and ``Force=true`` with it deletes an object the
server refuses to update (immutable fields) so the next pass creates it afresh. Objects
with no drift are not written at all, nor are objects of a kind the desired set could not
place (``unknown_kind``: its scope, and so its project check, would be a guess); they wait
for a pass that finds the kind served. Called by the operation pass.
"""

from __future__ import annotations

from typing import Any

from gitopsd.desired import DesiredObject
from gitopsd.diff import ObjectComparison
from gitopsd.errors import ClusterError, Invalid, NotFound
from gitopsd.model.annotations import FIELD_MANAGER
from gitopsd.model.sync_options import SyncOptions
from gitopsd.model.vocab import ResultCode, SyncPhase
from gitopsd.ports import NOT_SERVED, ClusterPort
from gitopsd.sync.compare import DryRunMemo, content_hash
from gitopsd.sync.results import ResourceResult


def apply_object(
    cluster: ClusterPort,
    item: DesiredObject,
    comparison: ObjectComparison | None,
    options: SyncOptions,
    memo: DryRunMemo,
    *,
    phase: SyncPhase = SyncPhase.SYNC,
    dry_run: bool = False,
    kind_awaited: bool = False,
) -> ResourceResult:
    """Apply ``item`` unless it is already in sync; ``options`` are the stacked sync
    options (the application's and the operation's, overridden by the object's).

    ``kind_awaited``: this sync applies the kind's CustomResourceDefinition before the
    object, so a kind not served yet is waited for; otherwise it fails the object."""
    if item.unknown_kind:
        # Never applied: its scope, and so the project check, would be a guess. Nothing in
        # this sync brings the kind, so waiting could last forever: the object fails.
        return _result(item, ResultCode.FAILED, phase, unknown_kind_reason(item))
    live = comparison.live if comparison else None
    if comparison is not None and comparison.in_sync and live is not None:
        return _result(item, ResultCode.UNCHANGED, phase)
    code = ResultCode.CREATED if live is None else ResultCode.CONFIGURED
    try:
        written = _write(cluster, item.obj, options, live, dry_run=dry_run)
    except Invalid as error:
        if options.replace and options.force and live:
            # Immutable field: delete now, the next pass creates it (re-entrant).
            try:
                cluster.delete(item.key, propagation="Foreground", dry_run=dry_run)
            except ClusterError as delete_error:
                message = f"{error}; deleting it to recreate it failed: {delete_error}"
                return _result(item, ResultCode.FAILED, phase, message)
            memo.forget(item.key)
            return _result(item, ResultCode.CONFIGURED, phase, "deleted to be recreated (Force)")
        return _result(item, ResultCode.FAILED, phase, str(error))
    except NotFound as error:
        if error.reason == NOT_SERVED and kind_awaited:
            # A custom resource whose CRD this sync just applied: the next pass applies
            # it, once discovery serves the kind.
            return _result(item, ResultCode.SKIPPED, phase, "waiting for its kind to be served")
        if error.reason == NOT_SERVED:
            message = (
                f"{error}; install its CustomResourceDefinition, or add it to this "
                "application in an earlier sync wave"
            )
            return _result(item, ResultCode.FAILED, phase, message)
        return _result(item, ResultCode.FAILED, phase, str(error))
    except ClusterError as error:
        return _result(item, ResultCode.FAILED, phase, str(error))
    if not dry_run:
        memo.store(item.key, content_hash(item.obj), written)
    return _result(item, code, phase)


def unknown_kind_reason(item: DesiredObject) -> str:
    """Why an object of an unknown kind is not written (it is retried on a later pass)."""
    return (
        f"kind {item.key.group_kind} is not served by the cluster and no "
        "CustomResourceDefinition in the manifests defines it: install its "
        "CustomResourceDefinition, or add it to this application in an earlier sync wave"
    )


def _write(
    cluster: ClusterPort,
    obj: dict[str, Any],
    options: SyncOptions,
    live: dict[str, Any] | None,
    *,
    dry_run: bool,
) -> dict[str, Any]:
    if options.replace:
        if live is None:
            return cluster.create(obj, dry_run=dry_run)
        return cluster.replace(obj, dry_run=dry_run)
    validation = "Strict" if options.validate else "Ignore"
    return cluster.apply(
        obj,
        dry_run=dry_run,
        force=True,
        field_manager=FIELD_MANAGER,
        field_validation=validation,
    )


def _result(
    item: DesiredObject, code: ResultCode, phase: SyncPhase, message: str = ""
) -> ResourceResult:
    return ResourceResult(
        key=item.key,
        code=code,
        message=f"{item.key}: {message}"
        if message and not message.startswith(str(item.key))
        else message,
        phase=phase,
        wave=item.wave,
        hook=item.hook,
    )
