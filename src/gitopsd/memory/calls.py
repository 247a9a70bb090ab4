"""The record of every call made to a ``MemoryCluster``: what was asked, and how it ended.

Tests assert on it: the exact writes a reconcile pass made, or that a pass made none.
``str(call)`` is one short line (``apply ConfigMap/web/settings``, ``delete dry-run
Pod/web/x (Background)``, ``create Job/web/migrate -> Conflict``) so a scenario can compare
a whole pass with one list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gitopsd.model.keys import ResourceKey


class Verb(StrEnum):
    DISCOVERY = "resources"
    GET = "get"
    LIST = "list"
    APPLY = "apply"
    CREATE = "create"
    REPLACE = "replace"
    MERGE_PATCH = "merge_patch"
    PATCH_STATUS = "patch_status"
    REPLACE_STATUS = "replace_status"
    DELETE = "delete"


MUTATING = frozenset(
    {
        Verb.APPLY,
        Verb.CREATE,
        Verb.REPLACE,
        Verb.MERGE_PATCH,
        Verb.PATCH_STATUS,
        Verb.REPLACE_STATUS,
        Verb.DELETE,
    }
)


@dataclass(frozen=True)
class Call:
    """One call. ``target`` is the object's id, or the kind for ``list``."""

    verb: Verb
    target: str
    key: ResourceKey | None = None
    dry_run: bool = False
    field_manager: str = ""
    force: bool | None = None
    field_validation: str = ""
    propagation: str = ""
    error: str = ""  # the ClusterError subclass raised, "" when the call succeeded

    @property
    def mutating(self) -> bool:
        return self.verb in MUTATING

    @property
    def write(self) -> bool:
        """A call that asked to change the cluster (dry runs do not)."""
        return self.mutating and not self.dry_run

    def __str__(self) -> str:
        text = str(self.verb)
        if self.dry_run:
            text += " dry-run"
        text += f" {self.target}"
        if self.propagation:
            text += f" ({self.propagation})"
        if self.error:
            text += f" -> {self.error}"
        return text
