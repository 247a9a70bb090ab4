"""Who drifted: the field managers of a live object that own its changed fields.

``compare.diff_object`` calls :func:`drift_managers` for each modified object with the
changed JSON pointers; the result ends up in status, events and ``gitopsd app diff``
("kubectl-edit (Update) changed spec.replicas at 2026-11-23T10:42:00Z").

Each changed pointer is walked through the live object and every ``managedFields`` entry
together (list indices become ``k:{"name":...}`` keys by the item's content). The entries
owning the deepest node on the path win; gitopsd's own entry is then left out. A field
someone removed has no owner left, so the owners of its nearest owned ancestor are
reported, or nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gitopsd.diff.fields import owned_depth
from gitopsd.diff.paths import dotted, parse_pointer
from gitopsd.model.annotations import FIELD_MANAGER


@dataclass(frozen=True)
class DriftManager:
    """One managedFields entry that owns changed fields; ``paths`` are JSON pointers."""

    manager: str
    operation: str  # Update or Apply
    time: str  # RFC 3339, as the API server recorded it
    paths: tuple[str, ...]
    subresource: str = ""  # "scale", "status" or "" for the main resource

    def __str__(self) -> str:
        how = f"{self.operation} /{self.subresource}" if self.subresource else self.operation
        fields = ", ".join(dotted(p) for p in self.paths)
        when = f" at {self.time}" if self.time else ""
        return f"{self.manager} ({how}) changed {fields}{when}"


@dataclass(frozen=True, eq=False)
class _Entry:
    manager: str
    operation: str
    subresource: str
    time: str
    tree: dict[str, Any]


def drift_managers(
    live: dict[str, Any] | None,
    changed_paths: Sequence[str],
    *,
    ignore_manager: str = FIELD_MANAGER,
) -> tuple[DriftManager, ...]:
    """The managers (other than ``ignore_manager``) owning ``changed_paths`` in ``live``.

    Sorted by manager, operation and subresource; each entry's paths sorted. A deleted
    object (``live`` None) has no managers.
    """
    if live is None:
        return ()
    entries = _entries(live)
    owned: dict[int, set[str]] = {}
    for pointer in changed_paths:
        for index in _owners(entries, live, pointer):
            if entries[index].manager != ignore_manager:
                owned.setdefault(index, set()).add(pointer)
    found = [
        DriftManager(e.manager, e.operation, e.time, tuple(sorted(paths)), e.subresource)
        for e, paths in ((entries[i], p) for i, p in owned.items())
    ]
    return tuple(sorted(found, key=lambda d: (d.manager, d.operation, d.subresource, d.time)))


def _owners(entries: Sequence[_Entry], live: dict[str, Any], pointer: str) -> list[int]:
    """Indices of the entries owning the deepest node on ``pointer``'s path."""
    tokens = parse_pointer(pointer)
    depths = [owned_depth(e.tree, live, tokens) for e in entries]
    deepest = max(depths, default=0)
    return [i for i, depth in enumerate(depths) if depth == deepest] if deepest else []


def _entries(live: dict[str, Any]) -> list[_Entry]:
    raw = (live.get("metadata") or {}).get("managedFields") or []
    entries = []
    for item in raw:
        tree = item.get("fieldsV1") if isinstance(item, dict) else None
        if not isinstance(tree, dict):
            continue
        entries.append(
            _Entry(
                manager=str(item.get("manager") or ""),
                operation=str(item.get("operation") or ""),
                subresource=str(item.get("subresource") or ""),
                time=str(item.get("time") or ""),
                tree=tree,
            )
        )
    return entries


def last_writer(
    live: dict[str, Any] | None, *, ignore_manager: str = FIELD_MANAGER
) -> DriftManager | None:
    """The most recent writer other than ``ignore_manager`` (and other than status
    writers), if it wrote after ``ignore_manager`` did.

    For a change no manager owns any more (a removed field): the object's last writer is
    the best account of who made it. Its ``paths`` are empty.
    """
    # Writes to the status subresource never change what is compared: left out.
    entries = [e for e in _entries(live or {}) if e.subresource != "status"]
    ours = max((e.time for e in entries if e.manager == ignore_manager), default="")
    others = [e for e in entries if e.manager != ignore_manager and e.time and e.time >= ours]
    if not others:
        return None
    latest = max(others, key=lambda e: e.time)
    return DriftManager(latest.manager, latest.operation, latest.time, (), latest.subresource)
