"""``gitopsd appset generate|list|get``: preview the Applications an ApplicationSet would
produce, and look at the ApplicationSets in a cluster.

``generate`` is offline: Git generators read a local checkout (``--repo-root``, or the
``repoURL`` itself when it is a ``file://`` URL or an absolute path) and the clusters
generator sees the local cluster plus every ``--cluster`` given. ``list`` and ``get`` read
the hub cluster through :class:`gitopsd.cluster.KubeCluster` (the connection flags of
:mod:`gitopsd.cli.app_context`) and print a table, JSON or YAML. Registered by
:mod:`gitopsd.cli.main`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from gitopsd.appset import ClusterInfo, LocalRepoFiles, generate
from gitopsd.cli.app_context import add_connection_flags, connect
from gitopsd.cli.output import (
    ExitCode,
    OutputFormat,
    add_output_flag,
    dump,
    format_table,
    human_age,
    print_list,
)
from gitopsd.errors import ConfigError, NotFound, SpecError
from gitopsd.model.annotations import GROUP
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.model.yaml_loader import iter_yaml_documents

APPLICATIONSET = GroupKind(GROUP, "ApplicationSet")
LIST_HEADERS = ("NAME", "GENERATORS", "APPLICATIONS", "SYNCPOLICY", "UP-TO-DATE", "AGE")
CONDITION_HEADERS = ("TYPE", "STATUS", "REASON", "MESSAGE")
APPLICATION_HEADERS = ("NAME", "NAMESPACE", "SYNC", "HEALTH")
DEFAULT_POLICY = "sync"  # what the controller applies when neither it nor the set chooses


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("appset", help="work with ApplicationSets")
    verbs = parser.add_subparsers(dest="appset_command", metavar="VERB", required=True)
    gen = verbs.add_parser(
        "generate", help="print the Applications an ApplicationSet manifest generates"
    )
    gen.add_argument("file", metavar="FILE", help="ApplicationSet manifest ('-' for stdin)")
    gen.add_argument("--repo-root", type=Path, help="local checkout the Git generators read")
    gen.add_argument(
        "--cluster",
        action="append",
        default=[],
        metavar="NAME=SERVER[,LABEL=VALUE...]",
        help="a registered cluster for the clusters generator (repeatable)",
    )
    gen.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")
    gen.set_defaults(func=run_generate)
    _live_verb(verbs, "list", "list ApplicationSets", run_list)
    get = _live_verb(
        verbs, "get", "show an ApplicationSet, its conditions and Applications", run_get
    )
    get.add_argument("appset", metavar="APPSET", help="ApplicationSet name")


def _live_verb(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str, func: Any
) -> argparse.ArgumentParser:
    parser = verbs.add_parser(name, help=help_text, description=help_text)
    add_connection_flags(parser)
    add_output_flag(parser)
    parser.set_defaults(func=func)
    return parser


def parse_cluster(value: str) -> ClusterInfo:
    """``prod=https://10.0.0.1:6443,env=prod,tier=gold`` -> ClusterInfo."""
    first, *label_items = value.split(",")
    name, sep, server = first.partition("=")
    if not (sep and name and server):
        raise ConfigError(f"--cluster {value!r}: expected NAME=SERVER[,LABEL=VALUE...]")
    labels: dict[str, str] = {}
    for item in label_items:
        key, sep, label = item.partition("=")
        if not (sep and key):
            raise ConfigError(f"--cluster {value!r}: label {item!r} is not LABEL=VALUE")
        labels[key] = label
    return ClusterInfo(name=name, server=server, labels=labels)


def _read_appsets(file: str) -> list[dict[str, Any]]:
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text()
        documents = [d for d in iter_yaml_documents(text) if d]
    except OSError as error:
        raise ConfigError(f"{file}: cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise SpecError(f"{file}: not valid YAML: {error}") from error
    appsets = [d for d in documents if isinstance(d, dict) and d.get("kind") == "ApplicationSet"]
    if not appsets:
        raise SpecError(f"{file}: no ApplicationSet found")
    return appsets


def run_generate(args: argparse.Namespace) -> int:
    clusters = [parse_cluster(c) for c in args.cluster]
    repos = LocalRepoFiles(args.repo_root)
    applications: list[dict[str, Any]] = []
    for appset in _read_appsets(args.file):
        applications.extend(generate(appset, repos=repos, clusters=clusters))
    if args.output == "json":
        print(json.dumps(applications, indent=2))
    else:
        sys.stdout.write(yaml.safe_dump_all(applications, sort_keys=False) if applications else "")
    return 0


# --- list / get against the cluster ---------------------------------------------------------
def run_list(args: argparse.Namespace) -> int:
    appsets = connect(args).list(APPLICATIONSET, namespace=args.namespace)
    return print_list(appsets, args.output, format_list)


def run_get(args: argparse.Namespace) -> int:
    key = ResourceKey(APPLICATIONSET.group, APPLICATIONSET.kind, args.namespace, args.appset)
    appset = connect(args).get(key)
    if appset is None:
        raise NotFound(f"{key}: not found", status=404)
    if args.output is OutputFormat.TABLE:
        sys.stdout.write(format_summary(appset))
    else:
        sys.stdout.write(dump(appset, args.output))
    return ExitCode.OK


def generator_kinds(appset: dict[str, Any]) -> str:
    """``git``, ``list,clusters``, ``matrix(list,list)``: what each generator is."""
    return ",".join(_generator_kind(g) for g in (appset.get("spec") or {}).get("generators") or [])


def _generator_kind(generator: Any) -> str:
    if not isinstance(generator, dict):
        return "?"
    kinds = sorted(str(k) for k in generator if k not in ("selector", "template"))
    if not kinds:
        return "?"
    kind = kinds[0]
    nested = (generator.get(kind) or {}).get("generators") if kind in ("matrix", "merge") else None
    if nested:
        return f"{kind}({','.join(_generator_kind(g) for g in nested)})"
    return kind


def _condition(appset: dict[str, Any], condition_type: str) -> dict[str, Any]:
    for condition in (appset.get("status") or {}).get("conditions") or []:
        if condition.get("type") == condition_type:
            return dict(condition)
    return {}


def _policy(appset: dict[str, Any]) -> str:
    sync_policy = (appset.get("spec") or {}).get("syncPolicy") or {}
    return str(sync_policy.get("applicationsSync") or DEFAULT_POLICY)


def format_list(appsets: list[dict[str, Any]], now: dt.datetime) -> str:
    rows = []
    for appset in sorted(appsets, key=lambda a: str(a["metadata"]["name"])):
        rows.append(
            [
                str(appset["metadata"]["name"]),
                generator_kinds(appset),
                str(len((appset.get("status") or {}).get("resources") or [])),
                _policy(appset),
                str(_condition(appset, "ResourcesUpToDate").get("status") or "Unknown"),
                human_age(appset["metadata"].get("creationTimestamp"), now),
            ]
        )
    return format_table(LIST_HEADERS, rows)


def format_summary(appset: dict[str, Any]) -> str:
    """Key facts, then the conditions and the owned Applications as tables."""
    meta, spec = appset["metadata"], appset.get("spec") or {}
    preserve = bool((spec.get("syncPolicy") or {}).get("preserveResourcesOnDeletion"))
    facts = [
        ("Name", str(meta["name"])),
        ("Namespace", str(meta.get("namespace") or "")),
        ("Generators", generator_kinds(appset)),
        ("Template", "go" if spec.get("goTemplate") else "fasttemplate"),
        ("Sync policy", _policy(appset)),
        ("Preserve resources", "true" if preserve else "false"),
    ]
    width = max(len(label) for label, _ in facts) + 2
    text = "".join(f"{label + ':':<{width}}{value}\n" for label, value in facts)
    status = appset.get("status") or {}
    conditions = sorted(status.get("conditions") or [], key=lambda c: str(c.get("type")))
    rows = [[str(c.get(f.lower()) or "") for f in CONDITION_HEADERS] for c in conditions]
    if rows:
        text += "\n" + format_table(CONDITION_HEADERS, rows)
    apps = [
        [
            str(r.get("name") or ""),
            str(r.get("namespace") or ""),
            str(r.get("status") or "Unknown"),
            str((r.get("health") or {}).get("status") or "Unknown"),
        ]
        for r in status.get("resources") or []
    ]
    if apps:
        text += "\n" + format_table(APPLICATION_HEADERS, sorted(apps))
    return text
