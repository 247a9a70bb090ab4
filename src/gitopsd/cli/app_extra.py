"""The Argo CD ``app`` verbs the seeds use beyond the first set: ``create``, ``manifests``,
``resources``, ``terminate-op``, and ``get --refresh|--hard-refresh``.

Each has a Kubernetes path (the kubeconfig, as the other verbs) and a server path
(:mod:`gitopsd.cli.app_server` picks). ``create`` takes flags (``--repo``, ``--path``,
``--revision``, ``--dest-server``/``--dest-name``, ``--dest-namespace``, ``--project``,
``--sync-policy automated``, ``--self-heal``, ``--auto-prune``, ``--label``) or a
manifest (``-f``). ``manifests`` prints the target manifests (``--source git``, the
default) or the live ones (``--source live``), Secret values masked either way.
``resources`` lists the objects the Application manages. Registered by
:mod:`gitopsd.cli.app`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from gitopsd.cli import app_server, app_sync, app_terminate
from gitopsd.cli.app_context import (
    APPLICATION,
    application_key,
    application_ref,
    connect,
    get_application,
)
from gitopsd.cli.app_views import format_resources
from gitopsd.cli.output import ExitCode, read_application
from gitopsd.cli.server_client import ServerClient
from gitopsd.errors import ConfigError
from gitopsd.model.annotations import GROUP
from gitopsd.model.app_patches import RefreshType, refresh_patch
from gitopsd.model.secrets import mask_secret

MakeVerb = Callable[..., argparse.ArgumentParser]
IN_CLUSTER = "https://kubernetes.default.svc"


def register(verbs: argparse._SubParsersAction[argparse.ArgumentParser], verb: MakeVerb) -> None:
    create = verb(verbs, "create", "create an Application", run_create_kube)
    _create_flags(create)
    manifests = verb(verbs, "manifests", "print an Application's manifests", run_manifests_kube)
    manifests.add_argument(
        "--source",
        choices=["git", "live"],
        default="git",
        help="git: the target manifests (default); live: the cluster's",
    )
    manifests.add_argument("--cache-dir", help="Git cache (default: a temporary directory)")
    manifests.add_argument("--revision", default="", help="render this revision instead")
    verb(verbs, "resources", "list an Application's resources", run_resources_kube)
    terminate = verb(verbs, "terminate-op", "stop the running operation", app_sync.run_terminate)
    app_sync.register_terminate(terminate)
    get = verbs.choices["get"]
    get.add_argument("--refresh", action="store_true", help="refresh before showing")
    get.add_argument("--hard-refresh", action="store_true", help="refresh, re-rendering")
    get.set_defaults(func=_refreshing(get.get_default("func")))
    app_server.SERVER_VERBS.update(
        {
            "create": run_create_server,
            "manifests": run_manifests_server,
            "resources": run_resources_server,
            "terminate-op": app_terminate.run_server,
        }
    )


def _create_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-f", "--file", type=Path, help="an Application manifest")
    parser.add_argument("--repo", help="the repository URL")
    parser.add_argument("--path", default="", help="the path in the repository")
    parser.add_argument("--revision", default="HEAD", help="the target revision (HEAD)")
    parser.add_argument("--dest-server", default="", help=f"destination cluster ({IN_CLUSTER})")
    parser.add_argument("--dest-name", default="", help="destination cluster by name")
    parser.add_argument("--dest-namespace", default="", help="destination namespace")
    parser.add_argument("--project", default="default", help="the AppProject (default)")
    parser.add_argument("--sync-policy", choices=["automated", "none"], default="none")
    parser.add_argument("--self-heal", action="store_true", help="with automated sync")
    parser.add_argument("--auto-prune", action="store_true", help="with automated sync")
    parser.add_argument("--label", action="append", default=[], metavar="KEY=VALUE")


# --- create ------------------------------------------------------------------------------
def application_from_args(args: argparse.Namespace) -> dict[str, Any]:
    namespace, name = application_ref(args)
    if args.file:
        app = read_application(args.file)
        app.setdefault("metadata", {}).setdefault("name", name)
        app["metadata"].setdefault("namespace", namespace)
        return app
    if not args.repo:
        raise ConfigError("app create: give --repo (and --path, --dest-namespace) or -f FILE")
    if (args.self_heal or args.auto_prune) and args.sync_policy != "automated":
        raise ConfigError("--self-heal and --auto-prune need --sync-policy automated")
    labels = dict(_label(text) for text in args.label)
    destination = {"namespace": args.dest_namespace}
    destination.update(
        {"name": args.dest_name} if args.dest_name else {"server": args.dest_server or IN_CLUSTER}
    )
    spec: dict[str, Any] = {
        "project": args.project,
        "source": {"repoURL": args.repo, "path": args.path, "targetRevision": args.revision},
        "destination": destination,
    }
    if args.sync_policy == "automated":
        spec["syncPolicy"] = {"automated": {"prune": args.auto_prune, "selfHeal": args.self_heal}}
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = labels
    return {
        "apiVersion": f"{GROUP}/v1alpha1",
        "kind": APPLICATION.kind,
        "metadata": metadata,
        "spec": spec,
    }


def _label(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key:
        raise ConfigError(f"--label {text!r}: expected KEY=VALUE")
    return key, value


def run_create_kube(args: argparse.Namespace) -> int:
    app = application_from_args(args)
    created = connect(args).create(app)
    meta = created["metadata"]
    print(f"Application/{meta['namespace']}/{meta['name']}: created")
    return ExitCode.OK


def run_create_server(args: argparse.Namespace, client: ServerClient) -> int:
    created = client.request("POST", "/api/v1/applications", application_from_args(args))
    meta = created["metadata"]
    print(f"Application/{meta['namespace']}/{meta['name']}: created")
    return ExitCode.OK


# --- manifests ---------------------------------------------------------------------------
def print_manifests(objects: list[dict[str, Any]]) -> None:
    documents = [mask_secret(obj) for obj in objects if obj]
    sys.stdout.write(yaml.safe_dump_all(documents, sort_keys=True) if documents else "")


def run_manifests_kube(args: argparse.Namespace) -> int:
    from gitopsd.cli import app_diff  # rendering pulls in Git: only when asked for

    namespace, name = application_ref(args)
    hub = connect(args)
    app = get_application(hub, namespace, name)
    if args.source == "live":
        from gitopsd.status import inventory_of

        keys = sorted(inventory_of(app.get("status")) or ())
        print_manifests([obj for obj in (hub.get(key) for key in keys) if obj])
        return ExitCode.OK
    from gitopsd.spec import parse_application_spec

    spec = parse_application_spec(app.get("spec") or {})
    target = app_diff.DiffTarget(namespace, name, spec.destination.namespace)
    credentials = app_diff.repo_credentials(hub, args.namespace)
    objects, _ = app_diff.generate(spec, target, hub, credentials, args)
    print_manifests(objects)
    return ExitCode.OK


def run_manifests_server(args: argparse.Namespace, client: ServerClient) -> int:
    if args.revision:
        raise ConfigError("app manifests --revision needs --core")
    namespace, name = application_ref(args)
    query = {"appNamespace": namespace} if getattr(args, "app_namespace", "") else {}
    answer = client.request("GET", f"/api/v1/applications/{name}/managed-resources", query=query)
    if answer.get("message") and args.source == "git":
        print(f"error: {answer['message']}", file=sys.stderr)
        return ExitCode.USAGE
    field = "targetState" if args.source == "git" else "liveState"
    print_manifests([json.loads(item[field]) for item in answer.get("items") or []])
    return ExitCode.OK


# --- resources, get --refresh ------------------------------------------------------------
def run_resources_kube(args: argparse.Namespace) -> int:
    sys.stdout.write(format_resources(get_application(connect(args), *application_ref(args))))
    return ExitCode.OK


def run_resources_server(args: argparse.Namespace, client: ServerClient) -> int:
    sys.stdout.write(format_resources(app_server.fetch(args, client)))
    return ExitCode.OK


def _refreshing(show: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``get`` on the Kubernetes path: ask for a refresh first, wait (10 s at most) for the
    controller to take it, then show the application."""

    def run(args: argparse.Namespace) -> int:
        kind = app_server.refresh_kind(args)
        if kind:
            from gitopsd.cli.app_wait import Poller

            namespace, name = application_ref(args)
            cluster = connect(args)
            cluster.merge_patch(application_key(namespace, name), refresh_patch(RefreshType(kind)))
            Poller().until(
                lambda: get_application(cluster, namespace, name),
                lambda app: True if not _refresh_pending(app) else None,
                10.0,
            )
        return show(args)

    return run


def _refresh_pending(app: dict[str, Any]) -> bool:
    annotations = (app.get("metadata") or {}).get("annotations") or {}
    return any(key.endswith("/refresh") for key in annotations)
