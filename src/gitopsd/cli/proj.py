"""``gitopsd proj list|get``: AppProjects, as Argo CD's CLI shows them.

Through a gitopsd server (``gitopsd login``, or ``--server``): ``/api/v1/projects``, only
the projects the user may see; with the kubeconfig (or ``--core``): the AppProjects of
``--namespace``. Registered by :mod:`gitopsd.cli.main`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gitopsd.cli.app_context import connect
from gitopsd.cli.app_server import add_either_path_flags, server_items, server_target
from gitopsd.cli.output import (
    ExitCode,
    OutputFormat,
    add_output_flag,
    dump,
    format_table,
    print_rows,
)
from gitopsd.cli.server_client import ServerClient
from gitopsd.errors import NotFound
from gitopsd.model.annotations import GROUP
from gitopsd.model.keys import GroupKind, ResourceKey

APPPROJECT = GroupKind(GROUP, "AppProject")
HEADERS = ("NAME", "DESCRIPTION", "DESTINATIONS", "SOURCES", "ROLES")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("proj", help="list and show AppProjects")
    verbs = parser.add_subparsers(dest="proj_command", metavar="VERB", required=True)
    listing = verbs.add_parser("list", help="list AppProjects")
    listing.set_defaults(func=run_list)
    get = verbs.add_parser("get", help="show an AppProject")
    get.add_argument("project", metavar="PROJECT")
    get.set_defaults(func=run_get)
    for verb in (listing, get):
        add_output_flag(verb)
        add_either_path_flags(verb)


def run_list(args: argparse.Namespace) -> int:
    projects = server_items(args, "/api/v1/projects")
    if projects is None:
        projects = connect(args).list(APPPROJECT, namespace=args.namespace)
    projects = sorted(projects, key=lambda p: str(p["metadata"]["name"]))
    return print_rows(projects, args.output, HEADERS, _row)


def run_get(args: argparse.Namespace) -> int:
    target = server_target(args)
    if target is not None:
        project = ServerClient(target).get(f"/api/v1/projects/{args.project}")
    else:
        found = connect(args).get(ResourceKey(GROUP, "AppProject", args.namespace, args.project))
        if found is None:
            raise NotFound(f"AppProject/{args.namespace}/{args.project}: not found", status=404)
        project = found
    if args.output is not OutputFormat.TABLE:
        sys.stdout.write(dump(project, args.output))
        return ExitCode.OK
    sys.stdout.write(format_table(HEADERS, [_row(project)]))
    return ExitCode.OK


def _row(project: dict[str, Any]) -> list[str]:
    spec = project.get("spec") or {}
    destinations = ",".join(
        f"{d.get('server') or d.get('name') or '*'},{d.get('namespace') or '*'}"
        for d in spec.get("destinations") or []
    )
    roles = ",".join(str(r.get("name")) for r in spec.get("roles") or [] if isinstance(r, dict))
    return [
        str(project["metadata"]["name"]),
        str(spec.get("description") or ""),
        destinations or "<none>",
        ",".join(str(s) for s in spec.get("sourceRepos") or []) or "<none>",
        roles or "<none>",
    ]
