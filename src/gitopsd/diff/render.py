"""Text output of diffs: unified diffs of normalised YAML and the "who drifted" lines.

``ObjectDiff.text`` renders one object; :func:`format_diffs` renders a whole comparison
for ``gitopsd app diff`` and for events. Inputs are already normalised and masked by
``compare``; this module only formats, with sorted keys so output is stable.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import yaml

from gitopsd.model.keys import ResourceKey

if TYPE_CHECKING:
    from gitopsd.diff.compare import ObjectDiff


def to_yaml(obj: dict[str, Any] | None) -> str:
    """Block-style YAML with sorted keys; ``""`` for a missing object."""
    if obj is None:
        return ""
    return yaml.safe_dump(obj, sort_keys=True, default_flow_style=False, allow_unicode=True)


def unified_diff(
    key: ResourceKey, live: dict[str, Any] | None, predicted: dict[str, Any] | None
) -> str:
    """``--- live/<id>`` / ``+++ desired/<id>`` unified diff; ``""`` when equal."""
    lines = difflib.unified_diff(
        to_yaml(live).splitlines(),
        to_yaml(predicted).splitlines(),
        fromfile=f"live/{key}",
        tofile=f"desired/{key}",
        lineterm="",
    )
    text = "\n".join(lines)
    return f"{text}\n" if text else ""


def summary(diff: ObjectDiff) -> str:
    """One line: ``Deployment/web/api: 2 fields differ`` (or missing / not in Git)."""
    if diff.missing_live:
        return f"{diff.key}: missing from the cluster"
    if diff.extraneous:
        return f"{diff.key}: in the cluster but not in Git"
    count = len(diff.changed_paths)
    return f"{diff.key}: {count} field{'s' if count != 1 else ''} differ{'' if count != 1 else 's'}"


def format_diffs(diffs: Sequence[ObjectDiff]) -> str:
    """Every modified object, sorted by key: summary, who drifted, then the unified diff."""
    blocks = []
    for diff in sorted((d for d in diffs if d.modified), key=lambda d: d.key):
        lines = [summary(diff)]
        lines.extend(f"  who drifted: {manager}" for manager in diff.managers)
        blocks.append("\n".join(lines) + "\n" + diff.text())
    return "\n".join(blocks)
