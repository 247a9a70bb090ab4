"""``gitopsd health``: the health of every resource in manifest files, offline.

Registered by :mod:`gitopsd.cli.main`. Reads multi-document YAML from files, directories
(every ``.yaml``/``.yml``/``.json`` below them, in name order) or standard input (``-``);
``kind: List`` and typed lists are flattened. Each object is assessed by the same
:class:`~gitopsd.health.HealthAssessor` the controller uses, and printed in input order
with the file it came from, as a table or JSON. A kind no check applies to shows
``status: null`` in JSON and ``-`` in the table.

Exit codes: 0 when done, 1 when an input cannot be read, 3 when a resource's health is
one of those given to ``--fail-on`` (so CI can tell "unhealthy" from "broken input").
The Lua runtime is only started when a customized kind is met, and the loader is
libyaml's when it is installed, so a thousand files take a few seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gitopsd.errors import ConfigError, ManifestError
from gitopsd.health import (
    Health,
    HealthAssessor,
    customizations_from_configmap,
    parse_customizations,
)
from gitopsd.model.vocab import HealthStatus
from gitopsd.model.yaml_loader import YAMLError, load_yaml_documents

_STDIN = "-"
_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
FAIL_EXIT_CODE = 3
_COLUMNS = ("FILE", "APIVERSION", "KIND", "NAMESPACE", "NAME", "HEALTH", "MESSAGE")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "health",
        help="assess the health of resources in manifest files",
        description="Print the health of each resource in MANIFEST files or directories, "
        "as gitopsd assesses it (built-in checks and Lua customizations), in input order. "
        f"Exits {FAIL_EXIT_CODE} when a resource's health is listed in --fail-on.",
    )
    parser.add_argument(
        "--customizations",
        metavar="FILE",
        help="YAML mapping group/Kind to {health.lua: script}, or a gitopsd-cm ConfigMap",
    )
    parser.add_argument(
        "--fail-on",
        metavar="STATUS[,STATUS...]",
        type=_statuses,
        default=frozenset(),
        help="health statuses that make the command fail, e.g. Degraded,Missing,Unknown",
    )
    parser.add_argument("-o", "--output", choices=["text", "json"], default="text")
    parser.add_argument(
        "manifests", nargs="+", metavar="MANIFEST", help="YAML file, directory, or - for stdin"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    customizations = load_customizations(args.customizations) if args.customizations else {}
    assessor = HealthAssessor(customizations)
    rows = [
        _row(source, obj, assessor.assess(obj))
        for source in _expand(args.manifests)
        for obj in read_objects(source)
    ]
    if args.output == "json":
        print(json.dumps(rows, indent=2))
    else:
        print(_table(rows))
    failing = [row for row in rows if row["health"]["status"] in args.fail_on]
    return FAIL_EXIT_CODE if failing else 0


def _statuses(value: str) -> frozenset[str]:
    by_name = {status.value.lower(): status.value for status in HealthStatus}
    chosen = set()
    for name in filter(None, (part.strip() for part in value.split(","))):
        if name.lower() not in by_name:
            raise argparse.ArgumentTypeError(
                f"unknown health status {name!r}; expected some of {', '.join(by_name.values())}"
            )
        chosen.add(by_name[name.lower()])
    return frozenset(chosen)


def _expand(paths: list[str]) -> Iterator[str]:
    """Files as given; directories as the manifest files below them, in name order."""
    for path in paths:
        if path != _STDIN and Path(path).is_dir():
            yield from sorted(
                str(found)
                for found in Path(path).rglob("*")
                if found.suffix in _MANIFEST_SUFFIXES and found.is_file()
            )
        else:
            yield path


def load_customizations(path: str) -> dict[str, str]:
    """Scripts from ``path``: a ``resource.customizations``-shaped mapping or a ConfigMap."""
    scripts: dict[str, str] = {}
    try:
        for document in _documents(path):
            if isinstance(document, dict) and document.get("kind") == "ConfigMap":
                scripts.update(customizations_from_configmap(document))
            else:
                scripts.update(parse_customizations(document))
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error
    except ManifestError as error:
        raise ConfigError(str(error)) from error
    return scripts


def read_objects(path: str) -> Iterator[dict[str, Any]]:
    """Every object in ``path``, with ``kind: List`` items flattened."""
    for index, document in enumerate(_documents(path), start=1):
        if not isinstance(document, dict):
            raise ManifestError(f"{path}: document {index} is not a mapping")
        yield from _flatten(path, index, document)


def _flatten(path: str, index: int, obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if not obj.get("kind") or not obj.get("apiVersion"):
        raise ManifestError(f"{path}: document {index} has no apiVersion or kind")
    # kubectl's ``kind: List``, and typed lists such as ``DeploymentList`` from ``get -o yaml``.
    is_list = obj["kind"] == "List" or (
        str(obj["kind"]).endswith("List") and isinstance(obj.get("items"), list)
    )
    if not is_list:
        yield obj
        return
    for item in obj.get("items") or []:
        if not isinstance(item, dict):
            raise ManifestError(f"{path}: document {index}: a List item is not a mapping")
        yield from _flatten(path, index, item)


def _documents(path: str) -> list[Any]:
    try:
        text = sys.stdin.read() if path == _STDIN else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: cannot read: {error}") from error
    try:
        return load_yaml_documents(text)
    except YAMLError as error:
        raise ManifestError(f"{path}: invalid YAML: {error}") from error


def _row(source: str, obj: dict[str, Any], health: Health | None) -> dict[str, Any]:
    metadata = obj.get("metadata") or {}
    return {
        "file": source,
        "apiVersion": str(obj.get("apiVersion", "")),
        "kind": str(obj.get("kind", "")),
        "namespace": str(metadata.get("namespace") or ""),
        "name": str(metadata.get("name") or metadata.get("generateName") or ""),
        "health": {
            "status": None if health is None else str(health.status),
            "message": None if health is None else health.message,
        },
    }


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [list(_COLUMNS)]
    for row in rows:
        health = row["health"]
        lines.append(
            [
                row["file"],
                row["apiVersion"],
                row["kind"],
                row["namespace"] or "-",
                row["name"],
                health["status"] or "-",
                " ".join((health["message"] or "").split()),
            ]
        )
    widths = [max(len(line[column]) for line in lines) for column in range(len(_COLUMNS) - 1)]
    return "\n".join(
        "  ".join(
            [*(cell.ljust(width) for cell, width in zip(line, widths, strict=False)), line[-1]]
        ).rstrip()
        for line in lines
    )
