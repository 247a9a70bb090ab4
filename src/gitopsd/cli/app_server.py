"""The ``gitopsd app`` verbs through a gitopsd server, with the signed-in user's identity.

:func:`route` wraps every ``app`` verb: when a server is chosen (``--server``/
``--auth-token``, ``$GITOPSD_SERVER``/``$GITOPSD_AUTH_TOKEN``, or the current context of
``gitopsd login``) and ``--core`` is not given, the verb runs here against the server's
API (Argo CD's paths); otherwise it runs as before against the Kubernetes API with the
kubeconfig. Output, exit codes and progress lines are the same either way, so scripts do
not care which path ran. Registered by :mod:`gitopsd.cli.app`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from gitopsd.cli.app_context import add_connection_flags, application_ref
from gitopsd.cli.app_views import application_text, format_list, history_text
from gitopsd.cli.app_wait import Poller, ProgressTracker, WaitFor, unmet_conditions
from gitopsd.cli.login import add_config_flag, config_path
from gitopsd.cli.output import ExitCode, print_list, short_revision
from gitopsd.cli.server_client import ServerClient
from gitopsd.cli.server_config import LocalConfig, ServerContext
from gitopsd.diff import DiffOptions, diff_object, format_diffs
from gitopsd.errors import ConfigError, ServerError
from gitopsd.model.app_patches import sync_policy_patch
from gitopsd.model.keys import ResourceKey
from gitopsd.model.operations import finished_phase, request_id_of, state_of
from gitopsd.model.vocab import OperationPhase

ServerVerb = Callable[[argparse.Namespace, ServerClient], int]
Verb = Callable[[argparse.Namespace], int]
SERVER_VERBS: dict[str, ServerVerb] = {}


def server_verb(name: str) -> Callable[[ServerVerb], ServerVerb]:
    def register(func: ServerVerb) -> ServerVerb:
        SERVER_VERBS[name] = func
        return func

    return register


# --- choosing the path -------------------------------------------------------------------
def add_server_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("through a gitopsd server (see gitopsd login)")
    group.add_argument(
        "--server", default=os.environ.get("GITOPSD_SERVER"), help="host:port of the server"
    )
    group.add_argument(
        "--auth-token",
        default=os.environ.get("GITOPSD_AUTH_TOKEN"),
        help="a token for it (default $GITOPSD_AUTH_TOKEN, else the context's)",
    )
    group.add_argument("--plaintext", action="store_true", help="HTTP instead of HTTPS")
    group.add_argument("--insecure", action="store_true", help="skip TLS verification")
    group.add_argument(
        "--core", action="store_true", help="use the kubeconfig even when signed in to a server"
    )
    if not any(action.dest == "config" for action in parser._actions):
        add_config_flag(parser)


def add_either_path_flags(parser: argparse.ArgumentParser) -> None:
    """The kubeconfig flags and the server flags, for a verb that runs either way."""
    add_connection_flags(parser)
    add_server_flags(parser)


def server_items(args: argparse.Namespace, path: str) -> list[dict[str, Any]] | None:
    """The ``items`` the server lists at ``path``; None: the verb runs against the
    Kubernetes API instead."""
    target = server_target(args)
    if target is None:
        return None
    items: list[dict[str, Any]] = ServerClient(target).get(path).get("items") or []
    return items


def server_target(args: argparse.Namespace) -> ServerContext | None:
    """The server a verb talks to; None: the Kubernetes API, as before."""
    if getattr(args, "core", False):
        return None
    config = LocalConfig.load(config_path(args))
    server, token = getattr(args, "server", None), getattr(args, "auth_token", None)
    if server:
        known = config.contexts.get(server)
        return ServerContext(
            name=server,
            server=server,
            auth_token=token or (known.auth_token if known else ""),
            plain_text=args.plaintext or (known.plain_text if known else False),
            insecure=args.insecure or (known.insecure if known else False),
        )
    current = config.current_context()
    if current is None:
        if token:
            raise ConfigError("--auth-token needs --server (or a context from gitopsd login)")
        return None
    return replace(current, auth_token=token or current.auth_token)


def route(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Give every ``app`` verb the server flags and the choice of path."""
    for name, parser in verbs.choices.items():
        add_server_flags(parser)
        parser.set_defaults(func=_routed(name, parser.get_default("func")))


def _routed(name: str, kube: Verb) -> Verb:
    def run(args: argparse.Namespace) -> int:
        target = server_target(args)
        if target is None:
            return kube(args)
        verb = SERVER_VERBS.get(name)
        if verb is None:
            raise ConfigError(f"app {name} is not offered through the server; use --core")
        return verb(args, ServerClient(target))

    return run


# --- reading -----------------------------------------------------------------------------
def _path(args: argparse.Namespace, suffix: str = "") -> tuple[str, dict[str, str]]:
    namespace, name = application_ref(args)
    query = {"appNamespace": namespace} if getattr(args, "app_namespace", "") else {}
    return f"/api/v1/applications/{name}{suffix}", query


def fetch(args: argparse.Namespace, client: ServerClient, **extra: str) -> dict[str, Any]:
    path, query = _path(args)
    answer: dict[str, Any] = client.request("GET", path, query={**query, **extra})
    return answer


@server_verb("list")
def run_list(args: argparse.Namespace, client: ServerClient) -> int:
    items = client.get("/api/v1/applications").get("items") or []
    return print_list(list(items), args.output, format_list)


@server_verb("get")
def run_get(args: argparse.Namespace, client: ServerClient) -> int:
    refresh = refresh_kind(args)
    app = fetch(args, client, **({"refresh": refresh} if refresh else {}))
    sys.stdout.write(application_text(app, args.output))
    return ExitCode.OK


def refresh_kind(args: argparse.Namespace) -> str:
    if getattr(args, "hard_refresh", False):
        return "hard"
    return "normal" if getattr(args, "refresh", False) else ""


@server_verb("history")
def run_history(args: argparse.Namespace, client: ServerClient) -> int:
    app = fetch(args, client)
    sys.stdout.write(history_text(app, args.output))
    return ExitCode.OK


@server_verb("diff")
def run_diff(args: argparse.Namespace, client: ServerClient) -> int:
    """Target states (rendered by the server) against live states, Secrets masked by the
    server; exit 1 when something differs, as the Kubernetes path does."""
    if args.revision:
        raise ConfigError("app diff --revision needs --core (the server diffs the target)")
    path, query = _path(args, "/managed-resources")
    answer = client.request("GET", path, query=query)
    if answer.get("message"):
        print(f"error: {answer['message']}", file=sys.stderr)
        return ExitCode.USAGE
    diffs, differs = [], False
    for item in answer.get("items") or []:
        key = ResourceKey.of_entry(item)
        target, live = json.loads(item["targetState"]), json.loads(item["liveState"])
        diff = diff_object(key, target, live, DiffOptions(dry_run_skipped=True))
        diffs.append(diff)
        differs = differs or diff.modified or bool(item.get("modified"))
    sys.stdout.write(format_diffs(diffs))
    return ExitCode.FAILED if differs else ExitCode.OK


# --- acting ------------------------------------------------------------------------------
@server_verb("sync")
def run_sync(args: argparse.Namespace, client: ServerClient) -> int:
    body: dict[str, Any] = {
        "revision": args.revision,
        "prune": args.prune,
        "dryRun": args.dry_run,
        "resources": [
            {"group": s.group, "kind": s.kind, "namespace": s.namespace, "name": s.name}
            for s in args.resource
        ],
        "syncOptions": {"items": list(args.sync_option)},
    }
    path, query = _path(args, "/sync")
    app = client.request("POST", path, body, query=query)
    target = short_revision(args.revision) if args.revision else "the target revision"
    return _follow(args, client, app, f"sync to {target} requested")


@server_verb("rollback")
def run_rollback(args: argparse.Namespace, client: ServerClient) -> int:
    path, query = _path(args, "/rollback")
    body = {"id": args.id, "prune": args.prune} if args.id is not None else {"prune": args.prune}
    app = client.request("PUT", path, body, query=query)
    return _follow(args, client, app, "rollback requested")


def _follow(args: argparse.Namespace, client: ServerClient, app: dict[str, Any], what: str) -> int:
    namespace, name = application_ref(args)
    initiator = ((app.get("operation") or {}).get("initiatedBy") or {}).get("username", "")
    print(f"Application/{namespace}/{name}: {what} by {initiator}", flush=True)
    if args.no_wait:
        return ExitCode.OK
    request_id = request_id_of(app.get("operation"))
    tracker = ProgressTracker()

    def check(current: dict[str, Any]) -> OperationPhase | None:
        for line in tracker.lines(state_of(current, request_id)):
            print(line, flush=True)
        return finished_phase(current, request_id)

    phase, _ = Poller().until(lambda: fetch(args, client), check, args.timeout)
    if phase is None:
        print(f"timed out after {args.timeout:g}s waiting for the operation", file=sys.stderr)
        return ExitCode.TIMEOUT
    return ExitCode.OK if phase == OperationPhase.SUCCEEDED else ExitCode.FAILED


@server_verb("wait")
def run_wait(args: argparse.Namespace, client: ServerClient) -> int:
    wanted = WaitFor(sync=args.sync, health=args.health, operation=args.operation).chosen()
    done, app = Poller().until(
        lambda: fetch(args, client),
        lambda app: True if not unmet_conditions(app, wanted) else None,
        args.timeout,
    )
    namespace, name = application_ref(args)
    if done is None:
        unmet = "; ".join(unmet_conditions(app, wanted))
        print(f"Application/{namespace}/{name}: timed out waiting for {unmet}", file=sys.stderr)
        return ExitCode.TIMEOUT
    status = app.get("status") or {}
    sync = (status.get("sync") or {}).get("status") or "Unknown"
    health = (status.get("health") or {}).get("status") or "Unknown"
    print(f"Application/{namespace}/{name}: {sync}, {health}")
    return ExitCode.OK


@server_verb("set")
def run_set(args: argparse.Namespace, client: ServerClient) -> int:
    patch = sync_policy_patch_of(args, fetch(args, client))
    path, query = _path(args, "/spec")
    updated = client.request("PATCH", path, patch["spec"], query=query)
    namespace, name = application_ref(args)
    print(f"Application/{namespace}/{name}: syncPolicy.automated is {automated_shown(updated)}")
    return ExitCode.OK


def sync_policy_patch_of(args: argparse.Namespace, app: dict[str, Any]) -> dict[str, Any]:
    """The merge patch that ``app set``'s flags make of ``app``'s automated sync policy."""
    return sync_policy_patch(
        app.get("spec") or {},
        policy=args.sync_policy,
        self_heal=args.self_heal,
        prune=args.prune,
        allow_empty=args.allow_empty,
    )


def automated_shown(app: dict[str, Any]) -> str:
    """``spec.syncPolicy.automated`` of an Application as ``app set`` reports it."""
    automated = ((app.get("spec") or {}).get("syncPolicy") or {}).get("automated")
    return "none" if automated is None else json.dumps(automated, sort_keys=True)


@server_verb("delete")
def run_delete(args: argparse.Namespace, client: ServerClient) -> int:
    path, query = _path(args)
    cascade = "true" if args.cascade else "false"
    client.request("DELETE", path, query={**query, "cascade": cascade})
    namespace, name = application_ref(args)
    how = "with its resources" if args.cascade else "leaving its resources in place"
    print(f"Application/{namespace}/{name}: deletion requested, {how}")
    if not args.wait:
        return ExitCode.OK
    gone, _ = Poller().until(
        lambda: _exists(args, client), lambda exists: True if not exists else None, args.timeout
    )
    if gone is None:
        print(f"timed out after {args.timeout:g}s waiting for deletion", file=sys.stderr)
        return ExitCode.TIMEOUT
    print(f"Application/{namespace}/{name}: deleted")
    return ExitCode.OK


def _exists(args: argparse.Namespace, client: ServerClient) -> bool:
    """Whether the app is still there (a 403 after our delete means gone: the server
    answers the same for missing and forbidden)."""
    try:
        fetch(args, client)
    except ServerError as error:
        if error.status in (403, 404):
            return False
        raise
    return True
