"""How a write's body is laid over the stored object.

- :func:`merge_applied`: server-side apply's merge. Maps merge key by key; associative
  lists (``containers`` by name, ...) merge item by item; set lists (``finalizers``) are
  unions; every other list is atomic and replaced whole. What the applier stopped setting
  is removed afterwards by ``gitopsd.memory.ownership``, not here.
- :func:`merge_patch`: RFC 7386 JSON merge patch (``null`` deletes, lists replaced).

Called by ``MemoryCluster`` for ``apply`` and ``merge_patch``.
"""

from __future__ import annotations

import copy
from typing import Any

from gitopsd.memory.fieldsets import list_keys
from gitopsd.memory.kinds import SET_LISTS


def merge_applied(live: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(live)
    for name, value in config.items():
        merged[name] = _merge_value(name, merged.get(name), value)
    return merged


def _merge_value(name: str, live: Any, value: Any) -> Any:
    if isinstance(live, dict) and isinstance(value, dict):
        return merge_applied(live, value)
    if isinstance(live, list) and isinstance(value, list):
        return _merge_list(name, live, value)
    return copy.deepcopy(value)


def _merge_list(name: str, live: list[Any], applied: list[Any]) -> list[Any]:
    if name in SET_LISTS:
        merged = list(live)
        merged.extend(item for item in applied if item not in live)
        return copy.deepcopy(merged)
    keys = list_keys(name, applied)
    if keys is None or (live and list_keys(name, live) != keys):
        return copy.deepcopy(applied)
    merged = copy.deepcopy(live)
    for item in applied:
        index = next(
            (i for i, old in enumerate(merged) if all(old.get(k) == item.get(k) for k in keys)),
            None,
        )
        if index is None:
            merged.append(copy.deepcopy(item))
        else:
            merged[index] = merge_applied(merged[index], item)
    return merged


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: the result of applying ``patch`` to ``target`` (neither is modified)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result
