"""Manifest text to Kubernetes objects: parse, flatten, validate, sort.

YAML streams (multi-document), JSON files (an object or an array), ``kind: List``
flattened, empty documents skipped. Timestamps stay strings (Kubernetes has no YAML
timestamp type, and a ``date`` object would not survive JSON). Every object must have
``apiVersion``, ``kind`` and ``metadata.name`` (``generateName`` is accepted for hooks);
errors name the file and the document index. Called by every renderer in this package.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gitopsd.errors import ManifestError
from gitopsd.model.keys import ResourceKey
from gitopsd.model.yaml_loader import YAMLError, iter_yaml_documents, yaml_problem


def parse_documents(text: str, source: str) -> list[Any]:
    """The documents of a YAML stream, ``None`` for empty ones. ManifestError on bad YAML."""
    documents: list[Any] = []
    try:
        for document in iter_yaml_documents(text):
            documents.append(document)
    except YAMLError as error:
        line, problem = yaml_problem(error)
        where = f" (line {line})" if line is not None else ""
        raise ManifestError(
            f"{source}: document {len(documents)}{where}: invalid YAML: {problem}"
        ) from error
    return documents


def parse_json(text: str, source: str) -> list[Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(f"{source}: document 0: invalid JSON: {error}") from error
    return data if isinstance(data, list) else [data]


def objects_from_documents(documents: Iterable[Any], source: str) -> list[dict[str, Any]]:
    """Validated objects from parsed documents; ``kind: List`` items are flattened."""
    objects: list[dict[str, Any]] = []
    for index, document in enumerate(documents):
        if document is None or document == {}:
            continue
        for obj in _flatten(document, source, index):
            validate_object(obj, source, index)
            objects.append(obj)
    return objects


def _flatten(document: Any, source: str, index: int) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        shape = type(document).__name__
        raise ManifestError(f"{source}: document {index}: expected an object, got a {shape}")
    kind = document.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in document:
        items = document.get("items") or []
        if not isinstance(items, list):
            raise ManifestError(f"{source}: document {index}: {kind}.items is not a list")
        flattened: list[dict[str, Any]] = []
        for item in items:
            flattened.extend(_flatten(item, source, index))
        return flattened
    return [document]


def validate_object(obj: dict[str, Any], source: str, index: int) -> None:
    missing = [f for f in ("apiVersion", "kind") if not isinstance(obj.get(f), str) or not obj[f]]
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        missing.append("metadata")
    elif not (metadata.get("name") or metadata.get("generateName")):
        missing.append("metadata.name")
    if missing:
        what = f"{obj.get('kind')} " if isinstance(obj.get("kind"), str) else ""
        raise ManifestError(f"{source}: document {index}: {what}object has no {', '.join(missing)}")


def sort_key(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    key = ResourceKey.of(obj)
    name = key.name or str((obj.get("metadata") or {}).get("generateName", ""))
    return key.group, key.kind, key.namespace, name


def sorted_objects(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Objects in (group, kind, namespace, name) order, the order every render returns."""
    return sorted(objects, key=sort_key)


def parse_stream(text: str, source: str) -> list[dict[str, Any]]:
    """Parse and validate a YAML stream (tool output or a file)."""
    return objects_from_documents(parse_documents(text, source), source)


@dataclass(frozen=True)
class Rendered:
    """A render's objects and the repository paths it read (for cache invalidation)."""

    objects: list[dict[str, Any]] = field(hash=False)
    dependencies: frozenset[str]  # repository-relative files or directories
