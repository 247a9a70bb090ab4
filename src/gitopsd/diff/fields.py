"""The ``fieldsV1`` format of ``metadata.managedFields``: parsing it and finding fields by it.

A fieldsV1 tree names fields by element: ``f:<name>`` a mapping key, ``k:<json>`` the list
item whose fields equal that JSON object (containers are ``k:{"name":"web"}``), ``v:<json>``
the set item equal to that value, ``i:<n>`` a list position, and ``.`` the node itself.
A *field path* is a tuple of those elements, e.g. ``("f:spec", "f:replicas")``.

``ignore`` uses :func:`fields_v1_paths` and :func:`locate` to drop the fields some managers
own; ``managers`` uses :func:`owned_depth` to find who owns a changed field.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from gitopsd.diff.paths import Path, Token, clone, delete_at

FieldPath = tuple[str, ...]

SELF = "."


def fields_v1_paths(fields_v1: dict[str, Any]) -> list[FieldPath]:
    """Every field a fieldsV1 tree owns: its leaves and each node marked with ``.``, sorted.

    ``{"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}`` owns
    ``("f:metadata", "f:labels")`` and ``("f:metadata", "f:labels", "f:app")``.
    """
    owned: set[FieldPath] = set()
    _collect(fields_v1, (), owned)
    return sorted(owned)


def _collect(node: dict[str, Any], prefix: FieldPath, owned: set[FieldPath]) -> None:
    for element, child in node.items():
        if element == SELF:
            if prefix:
                owned.add(prefix)
            continue
        path = (*prefix, element)
        if isinstance(child, dict) and child:
            _collect(child, path, owned)
        else:
            owned.add(path)


def parse_element(element: str) -> tuple[str, Any]:
    """``f:replicas`` -> (``f``, ``replicas``); ``k:{"name":"web"}`` -> (``k``, {...}).

    An element that cannot be parsed comes back as (``?``, element) and matches nothing.
    """
    kind, sep, rest = element.partition(":")
    if not sep:
        return "?", element
    try:
        if kind == "f":
            return "f", rest
        if kind in ("k", "v"):
            return kind, json.loads(rest)
        if kind == "i":
            return "i", int(rest)
    except ValueError:
        pass
    return "?", element


def locate(obj: Any, field_path: Sequence[str]) -> Path | None:
    """The concrete path in ``obj`` of the field ``field_path`` names, or None if absent."""
    path: list[Token] = []
    node = obj
    for element in field_path:
        step = _find(node, *parse_element(element))
        if step is None:
            return None
        path.append(step)
        node = node[step]
    return tuple(path)


def _find(node: Any, kind: str, value: Any) -> Token | None:
    if kind == "f":
        return value if isinstance(node, dict) and value in node else None
    if not isinstance(node, list):
        return None
    if kind == "i":
        return value if isinstance(value, int) and 0 <= value < len(node) else None
    for index, item in enumerate(node):
        if kind == "v" and item == value:
            return index
        if kind == "k" and _matches_key(item, value):
            return index
    return None


def _matches_key(item: Any, key: Any) -> bool:
    if not (isinstance(item, dict) and isinstance(key, dict)):
        return False
    return all(item.get(name) == wanted for name, wanted in key.items())


def element_for(node: Any, token: Token, tree: dict[str, Any]) -> tuple[str, Any] | None:
    """The fieldsV1 element of ``tree`` that names ``node[token]``, with that child value.

    Mappings name children ``f:<key>``; list items are looked up among the tree's ``k:``,
    ``v:`` and ``i:`` elements using the item's content, so index 0 of ``containers``
    becomes ``k:{"name":"web"}`` when item 0 is named ``web``.
    """
    if isinstance(node, dict):
        element = f"f:{token}"
        return (element, node[str(token)]) if element in tree and str(token) in node else None
    if not isinstance(node, list) or not str(token).isdigit() or int(token) >= len(node):
        return None
    index = int(token)
    for element in tree:
        if element != SELF and _find(node, *parse_element(element)) == index:
            return element, node[index]
    return None


def owned_depth(tree: dict[str, Any], obj: Any, tokens: Sequence[Token]) -> int:
    """How many leading ``tokens`` of a path in ``obj`` the fieldsV1 ``tree`` owns.

    Walks the object and the tree together. A step counts as owned when its node is a
    leaf or carries ``.``; the full path also counts when the tree has any node there (the
    manager owns fields under it). 0 means the tree owns nothing on the path.
    """
    depth, owned = 0, 0
    node: Any = tree
    value = obj
    for token in tokens:
        found = element_for(value, token, node)
        if found is None:
            return owned
        element, value = found
        node = node[element]
        depth += 1
        if not node or SELF in node:
            owned = depth
    return depth


def graft(target: Any, source: Any, field_path: Sequence[str]) -> None:
    """Copy the field ``field_path`` names from ``source`` into ``target``, in place.

    Where ``target`` lacks a step, ``source``'s subtree from that step is copied whole (a
    missing list item is appended). A field absent from ``source`` is removed from
    ``target``.
    """
    into, node = target, source
    parent: Any = None
    last: Token | None = None
    for element in field_path:
        kind, value = parse_element(element)
        source_step = _find(node, kind, value)
        if source_step is None:
            _remove(target, field_path)
            return
        target_step = _find(into, kind, value)
        if target_step is None:
            _insert(into, source_step, clone(node[source_step]))
            return
        parent, last = into, target_step
        into, node = into[target_step], node[source_step]
    if parent is not None and last is not None:
        parent[last] = clone(node)


def _insert(into: Any, step: Token, value: Any) -> None:
    if isinstance(into, dict):
        into[step] = value
    elif isinstance(into, list):
        into.append(value)


def _remove(target: Any, field_path: Sequence[str]) -> None:
    located = locate(target, field_path)
    if located:
        delete_at(target, located)
