"""``gitopsd diff``: what applying a local directory or an Application manifest would change
in the live cluster, before anything is committed or created.

Two forms::

    gitopsd diff ./apps/web [--namespace web] [--app-name web]   # a local directory
    gitopsd diff -f application.yaml                             # its source, from Git

A directory is rendered with ``render_source`` (tool autodetected); objects without a
namespace go to ``--namespace`` (default ``default``) and get the tracking of application
``--app-name`` (default: the directory's name) in ``--app-namespace``, so the live objects
of that application are the ones compared, and the ones carrying its tracking label but no
longer rendered show as extraneous. Output is ``gitopsd app diff``'s: masked unified diffs
with "who drifted" lines; exit 0 in sync, 1 when something differs, 2 on error.
Registered by :mod:`gitopsd.cli.main`.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from gitopsd.cli.app_context import DEFAULT_NAMESPACE, add_connection_flags, connect
from gitopsd.cli.app_diff import (
    DiffTarget,
    HubSettings,
    destination_cluster,
    generate,
    live_comparison,
    repo_credentials,
    report,
)
from gitopsd.cli.output import ExitCode, read_application
from gitopsd.cli.render import local_source
from gitopsd.cluster import KubeCluster
from gitopsd.errors import ConfigError, GitopsdError
from gitopsd.render import RenderContext, render_source
from gitopsd.spec import parse_application_spec

DEFAULT_DESTINATION_NAMESPACE = "default"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="diff a local directory or an Application manifest against the live cluster",
        description="Show what applying a local directory (PATH) or an Application's source "
        "(-f) would change in the live cluster. Secret values are masked. Exit 0 when in "
        "sync, 1 when something differs, 2 on error.",
    )
    parser.add_argument("path", nargs="?", metavar="PATH", help="a local directory to render")
    parser.add_argument("-f", "--filename", help="an Application manifest")
    parser.add_argument(
        "--namespace",
        help="namespace of objects without one (PATH: default "
        f"{DEFAULT_DESTINATION_NAMESPACE}; -f: the destination's)",
    )
    parser.add_argument("--app-name", help="for PATH: the application (default: its basename)")
    parser.add_argument(
        "--app-namespace",
        default=DEFAULT_NAMESPACE,
        help=f"the application's namespace, part of its tracking (default {DEFAULT_NAMESPACE})",
    )
    parser.add_argument("--repo-root", help="for PATH: the repository it belongs to")
    parser.add_argument("--revision", default="", help="for -f: diff this revision instead")
    parser.add_argument("--cache-dir", help="for -f: Git cache (default: a temporary directory)")
    add_connection_flags(parser, namespace=False)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        if bool(args.path) == bool(args.filename):
            raise ConfigError("give exactly one of PATH or -f FILE")
        hub = connect(args)
        settings = HubSettings.read(hub, args.app_namespace)
        if args.path:
            return _diff_directory(args, hub, settings)
        return _diff_application(args, hub, settings)
    except GitopsdError as error:
        print(f"error: {error}", file=sys.stderr)
        return ExitCode.USAGE


def _diff_directory(args: argparse.Namespace, hub: KubeCluster, settings: HubSettings) -> int:
    local = local_source(args.path, args.repo_root)
    target = DiffTarget(
        app_namespace=args.app_namespace,
        app_name=args.app_name or local.directory.name,
        destination_namespace=args.namespace or DEFAULT_DESTINATION_NAMESPACE,
    )
    context = RenderContext(
        app_name=target.app_name,
        namespace=target.destination_namespace,
        kube_version=hub.server_version(),
    )
    objects = render_source(local.source, local.root, context)
    options = settings.compare_options()
    return report(live_comparison(hub, objects, target, None, options, settings), options.diff)


def _diff_application(args: argparse.Namespace, hub: KubeCluster, settings: HubSettings) -> int:
    application = read_application(Path(args.filename))
    meta = application.get("metadata") or {}
    spec = parse_application_spec(application.get("spec") or {})
    target = DiffTarget(
        app_namespace=str(meta.get("namespace") or args.app_namespace),
        app_name=str(meta["name"]),
        destination_namespace=args.namespace or spec.destination.namespace,
    )
    with destination_cluster(hub, target.app_namespace, spec.destination) as (cluster, server):
        credentials = repo_credentials(hub, target.app_namespace)
        objects, revision = generate(spec, target, cluster, credentials, args)
        target = replace(target, revision=revision, server=server)
        options = settings.compare_options(spec)
        comparison = live_comparison(cluster, objects, target, None, options, settings)
    return report(comparison, options.diff)
