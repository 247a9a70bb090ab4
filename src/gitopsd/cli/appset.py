"""``gitopsd appset generate``: preview the Applications an ApplicationSet would produce.

Offline: Git generators read a local checkout (``--repo-root``, or the ``repoURL`` itself
when it is a ``file://`` URL or an absolute path) and the clusters generator sees the
local cluster plus every ``--cluster`` given. ``list``/``get`` against a live cluster
belong to the operator side and are not offered here yet.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from gitopsd.appset import ClusterInfo, LocalRepoFiles, generate
from gitopsd.errors import ConfigError, SpecError


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
        documents = [d for d in yaml.safe_load_all(text) if d]
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
