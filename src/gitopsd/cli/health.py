"""``gitopsd health``: the health of every resource in manifest files, offline.

Registered by :mod:`gitopsd.cli.main`. Reads multi-document YAML (``kind: List`` is
flattened; ``-`` reads standard input), assesses each object with the same
:class:`~gitopsd.health.HealthAssessor` the controller uses, and prints a table or JSON.
Resources are listed sorted by kind, namespace, name and API version. A kind no check
applies to shows ``status: null`` in JSON and ``-`` in the table.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from gitopsd.errors import ConfigError, ManifestError
from gitopsd.health import (
    Health,
    HealthAssessor,
    customizations_from_configmap,
    parse_customizations,
)

_STDIN = "-"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _ManifestLoader(yaml.SafeLoader):
    """Safe YAML whose timestamps stay strings, as the API server would return them."""


_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_COLUMNS = ("APIVERSION", "KIND", "NAMESPACE", "NAME", "HEALTH", "MESSAGE")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "health",
        help="assess the health of resources in manifest files",
        description="Print the health of each resource in MANIFEST files, as gitopsd "
        "assesses it (built-in checks and Lua customizations).",
    )
    parser.add_argument(
        "--customizations",
        metavar="FILE",
        help="YAML mapping group/Kind to {health.lua: script}, or a gitopsd-cm ConfigMap",
    )
    parser.add_argument("-o", "--output", choices=["text", "json"], default="text")
    parser.add_argument(
        "manifests", nargs="+", metavar="MANIFEST", help="YAML file, or - for stdin"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    customizations = load_customizations(args.customizations) if args.customizations else {}
    objects = [obj for path in args.manifests for obj in read_objects(path)]
    assessor = HealthAssessor(customizations)
    rows = sorted((_row(obj, assessor.assess(obj)) for obj in objects), key=_sort_key)
    if args.output == "json":
        print(json.dumps(rows, indent=2))
    else:
        print(_table(rows))
    return 0


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
        return [doc for doc in yaml.load_all(text, Loader=_ManifestLoader) if doc is not None]
    except yaml.YAMLError as error:
        raise ManifestError(f"{path}: invalid YAML: {error}") from error


def _row(obj: dict[str, Any], health: Health | None) -> dict[str, Any]:
    metadata = obj.get("metadata") or {}
    return {
        "apiVersion": str(obj.get("apiVersion", "")),
        "kind": str(obj.get("kind", "")),
        "namespace": str(metadata.get("namespace") or ""),
        "name": str(metadata.get("name") or ""),
        "health": {
            "status": None if health is None else str(health.status),
            "message": None if health is None else health.message,
        },
    }


def _sort_key(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return (row["kind"], row["namespace"], row["name"], row["apiVersion"])


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [list(_COLUMNS)]
    for row in rows:
        health = row["health"]
        lines.append(
            [
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
