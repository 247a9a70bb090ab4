"""Field ownership: ``metadata.managedFields`` kept the way the API server keeps it.

Every write is made by a field manager. Server-side apply (operation ``Apply``) makes the
manager own exactly the fields of its applied configuration; any other write (create,
replace, merge patch, status: operation ``Update``) makes it own the fields it changed,
taking them from whoever owned them before. An apply that would change a field another
manager owns is a conflict unless forced; forcing takes the field over. A field the
applier stopped applying is removed from the object when no other manager owns it.

Pure functions over raw objects; ``MemoryCluster`` calls :func:`apply_fields` and
:func:`update_fields` on every write.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from gitopsd.errors import Conflict
from gitopsd.memory.fieldsets import (
    MISSING,
    FieldPath,
    field_set,
    from_fields_v1,
    is_leaf_value,
    remove_field,
    status_fields,
    to_fields_v1,
    value_at,
)
from gitopsd.memory.merging import merge_applied

APPLY = "Apply"
UPDATE = "Update"


@dataclass
class ManagerFields:
    """One ``managedFields`` entry, its fieldsV1 tree as a set of paths."""

    manager: str
    operation: str
    api_version: str
    time: str
    fields: set[FieldPath] = field(default_factory=set)
    subresource: str = ""

    @property
    def identity(self) -> tuple[str, str, str]:
        return self.manager, self.operation, self.subresource

    def entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": to_fields_v1(self.fields),
        }
        if self.subresource:
            entry["subresource"] = self.subresource
        return entry


def read_managers(obj: dict[str, Any] | None) -> list[ManagerFields]:
    entries = ((obj or {}).get("metadata") or {}).get("managedFields") or []
    return [
        ManagerFields(
            manager=str(e.get("manager", "")),
            operation=str(e.get("operation", "")),
            api_version=str(e.get("apiVersion", "")),
            time=str(e.get("time", "")),
            fields=from_fields_v1(e.get("fieldsV1") or {}),
            subresource=str(e.get("subresource", "")),
        )
        for e in entries
    ]


def write_managers(obj: dict[str, Any], managers: list[ManagerFields]) -> None:
    kept = [m.entry() for m in managers if m.fields]
    if kept:
        obj.setdefault("metadata", {})["managedFields"] = kept
    else:
        obj.get("metadata", {}).pop("managedFields", None)


@dataclass(frozen=True)
class Writer:
    """Who writes, and when: one manager, with the object's apiVersion."""

    manager: str
    api_version: str
    time: str
    subresource: str = ""


def apply_fields(
    live: dict[str, Any], config: dict[str, Any], writer: Writer, *, force: bool
) -> dict[str, Any]:
    """The object after ``writer`` applies ``config`` to ``live`` (with managedFields).

    Raises Conflict when a field another manager owns would change and ``force`` is off.
    """
    managers = read_managers(live)
    applied = field_set(config)
    mine = _entry(managers, writer, APPLY)
    others = [m for m in managers if m is not mine]
    conflicts = sorted(
        (other.manager, path)
        for other in others
        for path in applied & other.fields
        if _differs(live, config, path)
    )
    if conflicts and not force:
        raise Conflict(
            _conflict_message(conflicts, writer.api_version), status=409, reason="Conflict"
        )
    for manager, path in conflicts:
        for other in others:
            if other.manager == manager:
                other.fields.discard(path)
    dropped = mine.fields - applied
    merged = merge_applied(live, config)
    still_owned = set().union(*(o.fields for o in others)) if others else set()
    for path in sorted(dropped, key=len, reverse=True):
        if not _owned_at_or_below(path, still_owned):
            remove_field(merged, path)
    mine.fields = applied
    mine.time = writer.time
    write_managers(merged, managers)
    return merged


def update_fields(
    before: dict[str, Any] | None, after: dict[str, Any], writer: Writer
) -> dict[str, Any]:
    """``after`` with managedFields updated for an Update by ``writer``: it owns what it
    changed (everything, for a create), and nobody else owns that any more."""
    result = copy.deepcopy(after)
    managers = read_managers(before)
    sets = status_fields if writer.subresource == "status" else field_set
    old = sets(before) if before is not None else set()
    new = sets(result)
    changed = {p for p in new if p not in old or _differs(before, result, p)} | (old - new)
    for manager in managers:
        manager.fields -= changed
        manager.fields &= new | (field_set(result) | status_fields(result))
    mine = _entry(managers, writer, UPDATE)
    mine.fields |= changed & new
    if changed & new:
        mine.time = writer.time
    write_managers(result, managers)
    return result


def _entry(managers: list[ManagerFields], writer: Writer, operation: str) -> ManagerFields:
    wanted = (writer.manager, operation, writer.subresource)
    for manager in managers:
        if manager.identity == wanted:
            return manager
    entry = ManagerFields(
        writer.manager, operation, writer.api_version, writer.time, subresource=writer.subresource
    )
    managers.append(entry)
    return entry


def _differs(before: Any, after: Any, path: FieldPath) -> bool:
    old, new = value_at(before, path), value_at(after, path)
    if old is MISSING or new is MISSING:
        return old is not new
    if not (is_leaf_value(old) and is_leaf_value(new)):
        return False  # a map or list item: its own fields are compared one by one
    return bool(old != new)


def _owned_at_or_below(path: FieldPath, owned: set[FieldPath]) -> bool:
    return any(other[: len(path)] == path for other in owned)


def _conflict_message(conflicts: list[tuple[str, FieldPath]], api_version: str) -> str:
    described = "\n".join(
        f'* conflict with "{manager}" using {api_version}: {_dotted(path)}'
        for manager, path in conflicts
    )
    count = len(conflicts)
    plural = "conflict" if count == 1 else "conflicts"
    return f"Apply failed with {count} {plural}: {described}"


def _dotted(path: FieldPath) -> str:
    text = ""
    for element in path:
        kind, _, rest = element.partition(":")
        text += f".{rest}" if kind == "f" else f"[{kind}={rest}]"
    return text
