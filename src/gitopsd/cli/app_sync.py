"""``gitopsd app sync`` and ``gitopsd app rollback``: request an operation, then follow it;
``gitopsd app terminate-op``: end it.

``sync`` and ``rollback`` write ``operation`` on the Application with one merge patch
guarded by its resourceVersion (a conflict is read again and retried, and a request that
appeared meanwhile refuses this one instead of being replaced), refuse while another
operation is pending or running, and, unless ``--async``, print one line per change
until that very operation finishes: exit 0 on Succeeded, 1 on Failed or Error (a request
that cannot start, e.g. because the app does not render, ends in Error with the reason at
once), 3 on timeout. ``terminate-op`` sets ``gitopsd.io/terminate-operation`` and waits
for the operation to end. Registered by :mod:`gitopsd.cli.app`.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from gitopsd.cli.app_context import (
    application_key,
    application_ref,
    connect,
    current_username,
    get_application,
)
from gitopsd.cli.app_wait import Poller, ProgressTracker, add_timeout_flag
from gitopsd.cli.app_write import write_application
from gitopsd.cli.output import ExitCode, short_revision
from gitopsd.cluster import KubeCluster
from gitopsd.errors import ConfigError
from gitopsd.model.annotations import TERMINATE_OPERATION_ANNOTATION
from gitopsd.model.keys import ResourceKey
from gitopsd.model.operations import (
    ResourceSelector,
    SyncRequest,
    build_operation,
    finished_phase,
    operation_pending,
    operation_refusal,
    parse_resource_selector,
    parse_sync_option,
    resolve_selectors,
    rollback_entry,
    rollback_refusal,
    rollback_request,
    state_of,
)
from gitopsd.model.vocab import OperationPhase


def _argument(parse: Any) -> Any:
    """An argparse ``type`` that turns our ConfigError into a usage error (exit 2)."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ConfigError as error:
            raise argparse.ArgumentTypeError(str(error)) from error

    return convert


def _follow_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--async", dest="no_wait", action="store_true", help="request it and return at once"
    )
    add_timeout_flag(parser)


def register_sync(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prune", action="store_true", help="delete resources no longer in Git")
    parser.add_argument("--dry-run", action="store_true", help="only dry-run every change")
    parser.add_argument("--revision", default="", help="sync to this revision instead")
    parser.add_argument(
        "--resource",
        action="append",
        default=[],
        type=_argument(parse_resource_selector),
        metavar="GROUP:KIND:[NAMESPACE/]NAME",
        help="sync only this resource (repeatable)",
    )
    parser.add_argument(
        "--sync-option",
        action="append",
        default=[],
        type=_argument(parse_sync_option),
        metavar="KEY=VALUE",
        help="a sync option for this operation, e.g. ServerSideApply=true (repeatable)",
    )
    _follow_flags(parser)
    parser.set_defaults(func=run_sync)


def register_rollback(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "id", metavar="ID", nargs="?", type=int, help="history id (default: the previous one)"
    )
    parser.add_argument("--prune", action="store_true", help="delete resources not in it")
    _follow_flags(parser)
    parser.set_defaults(func=run_rollback)


def run_sync(args: argparse.Namespace) -> int:
    cluster = connect(args)

    def request_for(app: dict[str, Any]) -> tuple[SyncRequest, str]:
        refusal = operation_refusal(app)
        if refusal:
            raise ConfigError(refusal)
        return sync_request(args, (app.get("status") or {}).get("resources") or []), ""

    return request_and_follow(cluster, args, request_for)


def sync_request(
    args: argparse.Namespace, status_resources: Sequence[dict[str, Any]]
) -> SyncRequest:
    """The request ``app sync`` flags describe; selectors completed from the app's status."""
    selectors: list[ResourceSelector] = args.resource
    return SyncRequest(
        revision=args.revision,
        prune=args.prune,
        dry_run=args.dry_run,
        resources=resolve_selectors(selectors, status_resources),
        sync_options=tuple(args.sync_option),
    )


def run_rollback(args: argparse.Namespace) -> int:
    cluster = connect(args)

    def request_for(app: dict[str, Any]) -> tuple[SyncRequest, str]:
        refusal = rollback_refusal(app)
        if refusal:
            raise ConfigError(refusal)
        entry = rollback_entry(app, args.id)
        request = rollback_request(entry, prune=args.prune)
        shown = ",".join(short_revision(r) for r in request.revisions or (request.revision,))
        return request, f"rolling back to history entry {entry.get('id')} ({shown})"

    return request_and_follow(cluster, args, request_for)


def describe(request: SyncRequest, username: str) -> str:
    """``sync to abc1234 (prune, dry run, 2 resources) requested by alice``."""
    target = short_revision(request.revision) if request.revision else "the target revision"
    details = [
        *(["prune"] if request.prune else []),
        *(["dry run"] if request.dry_run else []),
        *([_count(len(request.resources), "resource")] if request.resources else []),
        *request.sync_options,
    ]
    extra = f" ({', '.join(details)})" if details else ""
    return f"sync to {target}{extra} requested by {username}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def request_and_follow(
    cluster: KubeCluster,
    args: argparse.Namespace,
    request_for: Callable[[dict[str, Any]], tuple[SyncRequest, str]],
) -> int:
    """Write the operation ``request_for(app)`` describes (rebuilt from a fresh read if
    another writer got in first; its second item is a line to print first, if any), then
    follow it unless ``--async``."""
    key = application_key(*application_ref(args))
    username = current_username(args)
    request_id = uuid.uuid4().hex
    requested: list[tuple[SyncRequest, str]] = []

    def patch_for(app: dict[str, Any]) -> dict[str, Any]:
        request, note = request_for(app)
        requested[:] = [(request, note)]
        return {"operation": build_operation(request, username=username, request_id=request_id)}

    write_application(cluster, key, patch_for)
    request, note = requested[0]
    if note:
        print(note)
    print(f"{key}: {describe(request, username)}", flush=True)
    if args.no_wait:
        return ExitCode.OK
    return follow(cluster, key, request_id, args.timeout, Poller())


def follow(
    cluster: KubeCluster, key: ResourceKey, request_id: str, timeout: float, poller: Poller
) -> int:
    """Print progress until the operation ``request_id`` ends; its exit code."""
    tracker = ProgressTracker()

    def fetch() -> dict[str, Any]:
        return get_application(cluster, key.namespace, key.name)

    def check(app: dict[str, Any]) -> OperationPhase | None:
        for line in tracker.lines(state_of(app, request_id)):
            print(line, flush=True)
        return finished_phase(app, request_id)

    phase, _ = poller.until(fetch, check, timeout)
    if phase is None:
        print(f"{key}: timed out after {timeout:g}s waiting for the operation", file=sys.stderr)
        return ExitCode.TIMEOUT
    return ExitCode.OK if phase == OperationPhase.SUCCEEDED else ExitCode.FAILED


def register_terminate(parser: argparse.ArgumentParser) -> None:
    _follow_flags(parser)
    parser.set_defaults(func=run_terminate)


def run_terminate(args: argparse.Namespace) -> int:
    """Set ``gitopsd.io/terminate-operation`` and, unless ``--async``, wait until the
    controller ended the operation; exit 1 when there is none to end."""
    cluster = connect(args)
    key = application_key(*application_ref(args))

    def patch_for(app: dict[str, Any]) -> dict[str, Any]:
        if not operation_pending(app):
            raise ConfigError(f"{key}: no operation is requested or running")
        return {"metadata": {"annotations": {TERMINATE_OPERATION_ANNOTATION: "true"}}}

    write_application(cluster, key, patch_for)
    print(f"{key}: termination requested", flush=True)
    if args.no_wait:
        return ExitCode.OK

    def check(app: dict[str, Any]) -> dict[str, Any] | None:
        return None if operation_pending(app) else app

    ended, _ = Poller().until(
        lambda: get_application(cluster, key.namespace, key.name), check, args.timeout
    )
    if ended is None:
        print(f"{key}: timed out after {args.timeout:g}s waiting for the operation to end",
              file=sys.stderr)  # fmt: skip
        return ExitCode.TIMEOUT
    state = (ended.get("status") or {}).get("operationState") or {}
    print(f"{key}: {state.get('phase')}: {state.get('message') or ''}".rstrip(": "))
    return ExitCode.OK
