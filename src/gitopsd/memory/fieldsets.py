"""Field sets: which fields of an object a write sets, in ``managedFields`` notation.

A field is named by a path of fieldsV1 elements (``("f:spec", "f:replicas")``; list items
of associative lists as ``k:{"name":"web"}``, of set lists as ``v:"value"``), the notation
``gitopsd.diff.fields`` reads. A set holds every leaf an object sets (scalars, atomic
lists, empty maps) and the *members* that exist on their own: items of associative and
set lists, and string maps such as ``labels`` and ``data``. Server-side apply in
``gitopsd.memory.ownership`` computes ownership and conflicts with these sets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from gitopsd.diff.fields import fields_v1_paths, locate
from gitopsd.diff.paths import delete_at
from gitopsd.memory.kinds import (
    ASSOCIATIVE_LISTS,
    CONTAINER_PORT_KEYS,
    MAP_FIELDS,
    SERVICE_PORT_KEYS,
    SET_LISTS,
)

FieldPath = tuple[str, ...]

# metadata the server owns: never part of a manager's fields.
SERVER_METADATA = frozenset(
    {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "selfLink",
    }
)
_MISSING = object()


def field_set(obj: Mapping[str, Any], *, include_status: bool = False) -> set[FieldPath]:
    """The fields ``obj`` sets (``status`` only when ``include_status``)."""
    paths: set[FieldPath] = set()
    for name, value in obj.items():
        if name in ("apiVersion", "kind") or (name == "status" and not include_status):
            continue
        if name == "metadata" and isinstance(value, dict):
            for key, child in value.items():
                if key not in SERVER_METADATA:
                    _walk(child, ("f:metadata", f"f:{key}"), key, paths)
            continue
        _walk(value, (f"f:{name}",), name, paths)
    return paths


def status_fields(obj: Mapping[str, Any]) -> set[FieldPath]:
    status = obj.get("status")
    if status is None:
        return set()
    paths: set[FieldPath] = set()
    _walk(status, ("f:status",), "status", paths)
    return paths


def _walk(value: Any, path: FieldPath, name: str, paths: set[FieldPath]) -> None:
    if isinstance(value, dict):
        if not value or name in MAP_FIELDS:
            paths.add(path)
        for key, child in value.items():
            _walk(child, (*path, f"f:{key}"), key, paths)
        return
    if isinstance(value, list):
        _walk_list(value, path, name, paths)
        return
    paths.add(path)


def _walk_list(items: list[Any], path: FieldPath, name: str, paths: set[FieldPath]) -> None:
    keys = list_keys(name, items)
    if name in SET_LISTS and all(not isinstance(i, dict | list) for i in items):
        paths.add(path)
        paths.update((*path, f"v:{_compact(item)}") for item in items)
        return
    if keys is None or not items:
        paths.add(path)  # atomic: the list is one value
        return
    for item in items:
        member = (*path, f"k:{_compact({k: item[k] for k in keys if k in item})}")
        paths.add(member)
        for key, child in item.items():
            _walk(child, (*member, f"f:{key}"), key, paths)


def list_keys(name: str, items: list[Any]) -> tuple[str, ...] | None:
    """The key fields of an associative list, or None for an atomic one (also when some
    item lacks its key or two items share one: the server would refuse such a list)."""
    if name == "ports":
        first = items[0] if items and isinstance(items[0], dict) else {}
        keys: tuple[str, ...] | None = (
            CONTAINER_PORT_KEYS if "containerPort" in first else SERVICE_PORT_KEYS
        )
    else:
        keys = ASSOCIATIVE_LISTS.get(name)
    if keys is None or not all(isinstance(i, dict) and keys[0] in i for i in items):
        return None
    seen = {_compact({k: i.get(k) for k in keys}) for i in items}
    return keys if len(seen) == len(items) else None


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def value_at(obj: Any, path: FieldPath) -> Any:
    """The value ``path`` names in ``obj``, or :data:`MISSING`."""
    located = locate(obj, path)
    if located is None:
        return _MISSING
    node = obj
    for token in located:
        node = node[token]
    return node


MISSING = _MISSING


def is_leaf_value(value: Any) -> bool:
    """Whether a value is compared as a whole (not a map or list walked into)."""
    return not isinstance(value, dict) or not value


def remove_field(obj: Any, path: FieldPath) -> bool:
    """Remove the field ``path`` names from ``obj`` in place; True when it was there."""
    located = locate(obj, path)
    if not located:
        return False
    delete_at(obj, located)
    return True


def to_fields_v1(paths: Iterable[FieldPath]) -> dict[str, Any]:
    """The fieldsV1 tree of a set: leaves are ``{}``, members with children carry ``.``."""
    tree: dict[str, Any] = {}
    members = set(paths)
    for path in sorted(members):
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    for path in members:
        node = tree
        for element in path:
            node = node[element]
        if node and "." not in node:
            node["."] = {}
    return tree


def from_fields_v1(tree: Mapping[str, Any]) -> set[FieldPath]:
    return set(fields_v1_paths(dict(tree)))
