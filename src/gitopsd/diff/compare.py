"""The comparison of one object: prediction against live, as data.

The reconciler calls :func:`diff_object` for every desired object (``predicted`` = the
server-side-apply dry run of the desired object, field manager gitopsd, force) and every
live object gitopsd tracks. Both sides come from the API server, so defaults are filled in
identically and the comparison is plain equality after, in this order:

1. :func:`gitopsd.diff.normalize.normalize` on both sides;
2. when the dry run was skipped (``DiffOptions.dry_run_skipped``, e.g. a custom resource
   whose CRD is not installed yet) the desired object is laid over the live one, so fields
   the manifest does not mention are not drift (see :func:`overlay`);
3. resource quantities equal in amount are spelled alike (``1000m`` == ``1``);
4. ``ignoreDifferences`` rules remove their fields from both sides;
5. changed fields are listed, their owners found in the live ``managedFields``, and the
   JSON Patch and text are computed from Secret-masked copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import jsonpatch

from gitopsd.diff.ignore import apply_ignore_rules
from gitopsd.diff.managers import DriftManager, drift_managers
from gitopsd.diff.normalize import normalize
from gitopsd.diff.paths import Token, clone, to_pointer
from gitopsd.diff.quantities import align_quantities
from gitopsd.diff.render import unified_diff
from gitopsd.model.annotations import (
    CMP_IGNORE_EXTRANEOUS,
    COMPARE_OPTIONS,
    annotation,
    parse_options,
)
from gitopsd.model.keys import ResourceKey
from gitopsd.model.secrets import mask_secret_pair
from gitopsd.spec import IgnoreDifference


class ChangeKind(StrEnum):
    """How a field differs, seen from live towards desired."""

    ADDED = "added"  # desired has it, live does not
    REMOVED = "removed"  # live has it, desired does not
    CHANGED = "changed"  # both have it, with different values


@dataclass(frozen=True)
class FieldChange:
    path: str  # JSON pointer, e.g. "/spec/replicas"
    kind: ChangeKind = ChangeKind.CHANGED


@dataclass(frozen=True)
class DiffOptions:
    """How to compare; the defaults are what an Application without options gets."""

    # Application rules followed by the global ones from gitopsd-cm.
    ignore: tuple[IgnoreDifference, ...] = ()
    # Honour ``compare-options: IgnoreExtraneous`` on live objects that are not in Git.
    ignore_extraneous_allowed: bool = True
    # Compare resources.limits/requests by amount rather than by spelling.
    normalize_quantities: bool = True
    # ``predicted`` is the desired object itself (no dry run): compare desired ⊆ live.
    dry_run_skipped: bool = False


@dataclass(frozen=True)
class ObjectDiff:
    """The comparison of one object. Nothing in it carries a Secret value."""

    key: ResourceKey
    modified: bool  # True when live differs from predicted (or one side is missing)
    missing_live: bool  # desired but not in the cluster
    extraneous: bool  # live but not desired (prune candidate)
    changed_paths: tuple[str, ...]  # JSON pointers, sorted
    managers: tuple[DriftManager, ...]
    patch: tuple[dict[str, Any], ...]  # JSON Patch live -> predicted, masked
    changes: tuple[FieldChange, ...] = ()  # changed_paths with how each changed
    # The normalised, masked sides the text diff is made of.
    live_view: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    predicted_view: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    def text(self) -> str:
        """Unified diff of the normalised YAML, ``--- live/<id>`` / ``+++ desired/<id>``."""
        return unified_diff(self.key, self.live_view, self.predicted_view)


def is_ignored_extraneous(live: dict[str, Any]) -> bool:
    """Whether ``live`` asks not to count against sync when Git lacks it (IgnoreExtraneous)."""
    options = parse_options(annotation(live, COMPARE_OPTIONS))
    return options.get(CMP_IGNORE_EXTRANEOUS, "false").lower() != "false"


def diff_object(
    key: ResourceKey,
    predicted: dict[str, Any] | None,
    live: dict[str, Any] | None,
    options: DiffOptions = DiffOptions(),  # frozen, so sharing the default is safe
) -> ObjectDiff:
    """Compare ``predicted`` (dry-run result, or desired when ``dry_run_skipped``) to ``live``.

    An extraneous object carrying ``compare-options: IgnoreExtraneous`` is reported with
    ``modified=False`` (it does not make the Application OutOfSync) but stays
    ``extraneous``: whether to prune it is the plan's decision.
    Raises SpecError for an invalid ignore rule.
    """
    if predicted is None and live is None:
        return ObjectDiff(key, False, False, False, (), (), ())
    if live is None:
        return _one_sided(key, options, predicted=predicted, live=None)
    if predicted is None:
        return _one_sided(key, options, predicted=None, live=live)
    live_side = normalize(live)
    predicted_side = normalize(predicted)
    if options.normalize_quantities:
        predicted_side = align_quantities(predicted_side, live_side)
    if options.dry_run_skipped:
        predicted_side = overlay(live_side, predicted_side)
    live_side = apply_ignore_rules(key, live_side, options.ignore, live)
    predicted_side = apply_ignore_rules(key, predicted_side, options.ignore, live)
    changes = field_changes(live_side, predicted_side)
    paths = tuple(change.path for change in changes)
    masked_predicted, masked_live = mask_secret_pair(predicted_side, live_side)
    return ObjectDiff(
        key=key,
        modified=bool(changes),
        missing_live=False,
        extraneous=False,
        changed_paths=paths,
        managers=drift_managers(live, paths) if paths else (),
        patch=tuple(jsonpatch.make_patch(masked_live, masked_predicted).patch) if paths else (),
        changes=changes,
        live_view=masked_live,
        predicted_view=masked_predicted,
    )


def _one_sided(
    key: ResourceKey,
    options: DiffOptions,
    *,
    predicted: dict[str, Any] | None,
    live: dict[str, Any] | None,
) -> ObjectDiff:
    """A diff where one side is missing: no changed paths, no managers, no patch."""
    ignored = live is not None and options.ignore_extraneous_allowed and is_ignored_extraneous(live)
    sides = [
        None if obj is None else apply_ignore_rules(key, normalize(obj), options.ignore, live)
        for obj in (predicted, live)
    ]
    masked_predicted, masked_live = mask_secret_pair(sides[0], sides[1])
    return ObjectDiff(
        key=key,
        modified=not ignored,
        missing_live=live is None,
        extraneous=predicted is None,
        changed_paths=(),
        managers=(),
        patch=(),
        live_view=masked_live,
        predicted_view=masked_predicted,
    )


def overlay(live: Any, desired: Any) -> Any:
    """``desired`` laid over ``live``: what applying it would roughly produce, without a server.

    Mappings merge key by key. Lists whose items all carry a ``name`` (containers, env,
    volumes) merge item by name, keeping live's order and live-only items (a sidecar a
    webhook added is not drift). Other lists of equal length merge item by item (so a
    defaulted ``protocol: TCP`` in a port is kept); otherwise desired replaces live.
    """
    if isinstance(live, dict) and isinstance(desired, dict):
        merged = clone(live)
        for key, value in desired.items():
            merged[key] = overlay(live[key], value) if key in live else clone(value)
        return merged
    if isinstance(live, list) and isinstance(desired, list):
        if _named(live) and _named(desired):
            return _overlay_named(live, desired)
        if len(live) == len(desired):
            return [overlay(old, new) for old, new in zip(live, desired, strict=True)]
    return clone(desired)


def _overlay_named(live: list[Any], desired: list[Any]) -> list[Any]:
    merged = clone(live)
    position = {str(item["name"]): index for index, item in enumerate(live)}
    for item in desired:
        index = position.get(str(item["name"]))
        if index is None:
            merged.append(clone(item))
        else:
            merged[index] = overlay(live[index], item)
    return merged


def field_changes(live: Any, predicted: Any) -> tuple[FieldChange, ...]:
    """Every field that differs between the two objects, sorted by pointer."""
    found: list[FieldChange] = []
    _walk(live, predicted, (), found)
    return tuple(sorted(found, key=lambda change: change.path))


def _walk(live: Any, predicted: Any, path: tuple[Token, ...], found: list[FieldChange]) -> None:
    if isinstance(live, dict) and isinstance(predicted, dict):
        for key in sorted(set(live) | set(predicted)):
            if key not in predicted:
                found.append(FieldChange(to_pointer((*path, key)), ChangeKind.REMOVED))
            elif key not in live:
                found.append(FieldChange(to_pointer((*path, key)), ChangeKind.ADDED))
            else:
                _walk(live[key], predicted[key], (*path, key), found)
    elif isinstance(live, list) and isinstance(predicted, list):
        _walk_list(live, predicted, path, found)
    elif not _same_scalar(live, predicted):
        found.append(FieldChange(to_pointer(path), ChangeKind.CHANGED))


def _walk_list(
    live: list[Any], predicted: list[Any], path: tuple[Token, ...], found: list[FieldChange]
) -> None:
    """Compare by name when both lists are named and the names differ, else by position.

    Pointers use live's index for items live has, so ``managers`` can find their owners.
    """
    if _named(live) and _named(predicted) and _names(live) != _names(predicted):
        wanted = {str(item["name"]): item for item in predicted}
        for index, item in enumerate(live):
            if str(item["name"]) in wanted:
                _walk(item, wanted[str(item["name"])], (*path, index), found)
            else:
                found.append(FieldChange(to_pointer((*path, index)), ChangeKind.REMOVED))
        present = set(_names(live))
        for index, item in enumerate(predicted):
            if str(item["name"]) not in present:
                found.append(FieldChange(to_pointer((*path, index)), ChangeKind.ADDED))
        return
    for index, (old, new) in enumerate(zip(live, predicted, strict=False)):
        _walk(old, new, (*path, index), found)
    for index in range(len(predicted), len(live)):
        found.append(FieldChange(to_pointer((*path, index)), ChangeKind.REMOVED))
    for index in range(len(live), len(predicted)):
        found.append(FieldChange(to_pointer((*path, index)), ChangeKind.ADDED))


def _named(items: list[Any]) -> bool:
    """True for a non-empty list of mappings that each carry a distinct ``name``."""
    names = [item.get("name") if isinstance(item, dict) else None for item in items]
    return bool(items) and None not in names and len(set(map(str, names))) == len(names)


def _names(items: list[Any]) -> list[str]:
    return [str(item["name"]) for item in items]


def _same_scalar(left: Any, right: Any) -> bool:
    # 1 == True in Python, but not in Kubernetes; 1 == 1.0 is fine (JSON has one number).
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    return type(left) is type(right) and left == right
