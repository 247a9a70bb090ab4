"""``gitopsd app list|get|diff|sync|rollback|history|wait|set|delete`` (and ``create``,
``manifests``, ``resources``, ``terminate-op``): the people's verbs on Applications,
against the Kubernetes API (RBAC on Applications is the permission model), or through a
gitopsd server with the signed-in user's identity (:mod:`gitopsd.cli.app_server`).

This module declares the verbs and runs the read-only and spec-editing ones; ``sync`` and
``rollback`` live in :mod:`gitopsd.cli.app_sync`, ``diff`` in :mod:`gitopsd.cli.app_diff`,
the later verbs in :mod:`gitopsd.cli.app_extra` (``terminate-op`` waits through
:mod:`gitopsd.cli.app_sync`). Every Kubernetes write goes through
:mod:`gitopsd.cli.app_write`.
Exit codes: 0 done, 1 failed or refused, 2 usage, 3 timed out. Registered by
:mod:`gitopsd.cli.main`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from gitopsd.cli import app_extra, app_server, app_sync
from gitopsd.cli.app_context import (
    APPLICATION,
    add_app_namespace_flag,
    add_connection_flags,
    application_key,
    application_ref,
    connect,
    get_application,
)
from gitopsd.cli.app_views import application_text, format_list, history_text
from gitopsd.cli.app_wait import Poller, WaitFor, add_timeout_flag, unmet_conditions
from gitopsd.cli.app_write import write_application
from gitopsd.cli.output import ExitCode, add_output_flag, print_list
from gitopsd.model.app_patches import finalizers_patch


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("app", help="list, inspect, sync and roll back Applications")
    verbs = parser.add_subparsers(dest="app_command", metavar="VERB", required=True)
    add_output_flag(_verb(verbs, "list", "list Applications", run_list, app=False))
    add_output_flag(_verb(verbs, "get", "show an Application and its resources", run_get))
    add_output_flag(_verb(verbs, "history", "list the deployments of an Application", run_history))
    diff = _verb(verbs, "diff", "diff Git against the live cluster", run_diff)
    diff.add_argument("--revision", default="", help="diff against this revision instead")
    diff.add_argument("--cache-dir", help="Git cache (default: a temporary directory)")
    app_sync.register_sync(_verb(verbs, "sync", "sync an Application now"))
    app_sync.register_rollback(_verb(verbs, "rollback", "redeploy an earlier revision"))
    wait = _verb(verbs, "wait", "wait until Synced, Healthy and idle", run_wait)
    wait.add_argument("--sync", action="store_true", help="wait until Synced")
    wait.add_argument("--health", action="store_true", help="wait until Healthy")
    wait.add_argument("--operation", action="store_true", help="wait until no operation runs")
    add_timeout_flag(wait)
    _register_set(_verb(verbs, "set", "change an Application's sync policy", run_set))
    delete = _verb(verbs, "delete", "delete an Application", run_delete)
    delete.add_argument(
        "--cascade",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also delete the Application's resources (default)",
    )
    delete.add_argument("--wait", action="store_true", help="wait until the Application is gone")
    add_timeout_flag(delete)
    app_extra.register(verbs, _verb)
    app_server.route(verbs)  # last: every verb may go through a gitopsd server


def _verb(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    func: Callable[[argparse.Namespace], int] | None = None,
    *,
    app: bool = True,
) -> argparse.ArgumentParser:
    parser = verbs.add_parser(name, help=help_text, description=help_text)
    if app:
        parser.add_argument(
            "app", metavar="APP", help="Application name, or NAMESPACE/NAME (Argo CD's form)"
        )
    add_connection_flags(parser)
    add_app_namespace_flag(parser)
    if func is not None:
        parser.set_defaults(func=func)
    return parser


def _register_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sync-policy", choices=["automated", "none"], help="automated or none")
    parser.add_argument(
        "--self-heal", action=argparse.BooleanOptionalAction, help="undo manual changes"
    )
    parser.add_argument(
        "--prune", action=argparse.BooleanOptionalAction, help="delete what left Git"
    )
    parser.add_argument(
        "--allow-empty",
        action=argparse.BooleanOptionalAction,
        help="let an empty render prune everything",
    )


# --- list / get / history ----------------------------------------------------------------
def run_list(args: argparse.Namespace) -> int:
    apps = connect(args).list(APPLICATION, namespace=args.app_namespace or args.namespace)
    return print_list(apps, args.output, format_list)


def run_get(args: argparse.Namespace) -> int:
    app = get_application(connect(args), *application_ref(args))
    sys.stdout.write(application_text(app, args.output))
    return ExitCode.OK


def run_history(args: argparse.Namespace) -> int:
    app = get_application(connect(args), *application_ref(args))
    sys.stdout.write(history_text(app, args.output))
    return ExitCode.OK


# --- diff --------------------------------------------------------------------------------
def run_diff(args: argparse.Namespace) -> int:
    # Rendering pulls in Git and the sync engine: imported only when a diff is asked for.
    from gitopsd.cli import app_diff

    return app_diff.run(args)


# --- wait --------------------------------------------------------------------------------
def run_wait(args: argparse.Namespace) -> int:
    namespace, name = application_ref(args)
    cluster = connect(args)
    wanted = WaitFor(sync=args.sync, health=args.health, operation=args.operation).chosen()
    done, app = Poller().until(
        lambda: get_application(cluster, namespace, name),
        lambda app: True if not unmet_conditions(app, wanted) else None,
        args.timeout,
    )
    app_id = application_key(namespace, name)
    if done is None:
        unmet = "; ".join(unmet_conditions(app, wanted))
        print(f"{app_id}: timed out after {args.timeout:g}s waiting for {unmet}", file=sys.stderr)
        return ExitCode.TIMEOUT
    print(f"{app_id}: {_state_line(app)}")
    return ExitCode.OK


def _state_line(app: dict[str, Any]) -> str:
    status = app.get("status") or {}
    sync = (status.get("sync") or {}).get("status") or "Unknown"
    health = (status.get("health") or {}).get("status") or "Unknown"
    return f"{sync}, {health}"


# --- set ---------------------------------------------------------------------------------
def run_set(args: argparse.Namespace) -> int:
    namespace, name = application_ref(args)
    cluster = connect(args)

    def patch_for(app: dict[str, Any]) -> dict[str, Any]:
        patch = app_server.sync_policy_patch_of(args, app)
        # Removing a field leaves no field ownership behind; the annotation makes
        # gitopsd-cli the object's last writer, which drift reports then name.
        annotations = {CHANGE_CAUSE: set_change_cause(args)}
        return {**patch, "metadata": {"annotations": annotations}}

    _, written = write_application(cluster, application_key(namespace, name), patch_for)
    shown = app_server.automated_shown(written or {})
    print(f"{application_key(namespace, name)}: syncPolicy.automated is {shown}")
    return ExitCode.OK


CHANGE_CAUSE = "kubernetes.io/change-cause"


def set_change_cause(args: argparse.Namespace) -> str:
    """``gitopsd app set web --sync-policy none``: the command, as change-cause."""
    words = ["gitopsd app set", args.app]
    if args.sync_policy:
        words.append(f"--sync-policy {args.sync_policy}")
    for flag, value in (
        ("self-heal", args.self_heal),
        ("prune", args.prune),
        ("allow-empty", args.allow_empty),
    ):
        if value is not None:
            words.append(f"--{'' if value else 'no-'}{flag}")
    return " ".join(words)


# --- delete ------------------------------------------------------------------------------
def run_delete(args: argparse.Namespace) -> int:
    namespace, name = application_ref(args)
    cluster = connect(args)
    key = application_key(namespace, name)
    write_application(
        cluster, key, lambda app: finalizers_patch(app.get("metadata") or {}, cascade=args.cascade)
    )
    cluster.delete(key, propagation="Background")
    how = "with its resources" if args.cascade else "leaving its resources in place"
    print(f"{key}: deletion requested, {how}")
    if not args.wait:
        return ExitCode.OK
    gone, _ = Poller().until(
        lambda: cluster.get(key), lambda app: True if app is None else None, args.timeout
    )
    if gone is None:
        print(f"{key}: timed out after {args.timeout:g}s waiting for deletion", file=sys.stderr)
        return ExitCode.TIMEOUT
    print(f"{key}: deleted")
    return ExitCode.OK
