"""``gitopsd repo list|add``: the Git repositories gitopsd may read, as Argo CD's CLI has
them.

Through a gitopsd server (``gitopsd login``, or ``--server``) they are
``/api/v1/repositories``; with the kubeconfig (or ``--core``) they are the
``repository`` Secrets of ``--namespace``. ``add`` takes ``--username`` with
``--password`` (or ``--password-stdin``) or ``--ssh-private-key-path``; credentials are
written, never shown: ``list`` says only whether a repository has some. Registered by
:mod:`gitopsd.cli.main`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gitopsd.cli.app_context import connect
from gitopsd.cli.app_server import add_either_path_flags, server_items, server_target
from gitopsd.cli.output import (
    ExitCode,
    add_output_flag,
    print_rows,
)
from gitopsd.cli.server_client import ServerClient
from gitopsd.errors import ConfigError
from gitopsd.model.annotations import SECRET_TYPE_LABEL, SECRET_TYPE_REPOSITORY
from gitopsd.model.keys import GroupKind
from gitopsd.source.repo_secrets import repository_secret, repository_view

HEADERS = ("TYPE", "NAME", "REPO", "PROJECT", "CREDENTIALS")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("repo", help="list and add Git repositories")
    verbs = parser.add_subparsers(dest="repo_command", metavar="VERB", required=True)
    listing = verbs.add_parser("list", help="list repositories (never their credentials)")
    add_output_flag(listing)
    listing.set_defaults(func=run_list)
    add = verbs.add_parser("add", help="add a repository")
    add.add_argument("repo", metavar="REPO", help="the repository URL")
    add.add_argument("--name", default="", help="a display name")
    add.add_argument("--project", default="", help="scope it to this AppProject")
    add.add_argument("--type", default="git", choices=["git", "helm"])
    add.add_argument("--username", default="")
    add.add_argument("--password", default="", help="prefer --password-stdin")
    add.add_argument("--password-stdin", action="store_true", help="read the password")
    add.add_argument("--ssh-private-key-path", type=Path, help="a private key file")
    add.add_argument("--insecure-skip-server-verification", action="store_true")
    add.set_defaults(func=run_add)
    for verb in (listing, add):
        add_either_path_flags(verb)


def run_list(args: argparse.Namespace) -> int:
    items = server_items(args, "/api/v1/repositories")
    if items is None:
        secrets = connect(args).list(
            GroupKind("", "Secret"),
            namespace=args.namespace,
            label_selector=f"{SECRET_TYPE_LABEL}={SECRET_TYPE_REPOSITORY}",
        )
        items = sorted((repository_view(s) for s in secrets), key=lambda v: str(v["repo"]))
    return print_rows(items, args.output, HEADERS, _row)


def _row(item: dict[str, Any]) -> list[str]:
    credentials = "set" if item.get("hasCredentials") else "-"
    return [
        str(item.get("type") or "git"),
        str(item.get("name") or ""),
        str(item.get("repo") or ""),
        str(item.get("project") or ""),
        credentials,
    ]


def fields_from_args(args: argparse.Namespace) -> dict[str, Any]:
    password = args.password
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if password and not args.username:
        raise ConfigError("--password needs --username")
    key = ""
    if args.ssh_private_key_path:
        try:
            key = args.ssh_private_key_path.read_text()
        except OSError as error:
            raise ConfigError(f"{args.ssh_private_key_path}: {error.strerror}") from error
    return {
        "repo": args.repo,
        "type": args.type,
        "name": args.name,
        "project": args.project,
        "username": args.username,
        "password": password,
        "sshPrivateKey": key,
        "insecure": args.insecure_skip_server_verification,
    }


def run_add(args: argparse.Namespace) -> int:
    fields = fields_from_args(args)
    target = server_target(args)
    if target is not None:
        ServerClient(target).request("POST", "/api/v1/repositories", fields)
    else:
        connect(args).create(repository_secret(args.namespace, fields))
    print(f"Repository '{args.repo}' added")
    return ExitCode.OK
