"""``ignoreDifferences``: fields left out of the comparison (and, on request, out of the sync).

A rule (``gitopsd.spec.IgnoreDifference``, from an Application or the global config)
applies to an object when its group and kind match (``*`` globs allowed; the global
``resource.customizations.ignoreDifferences.all`` form is a rule with ``group="*"`` and
``kind="*"``) and its name and namespace match when set. It names fields three ways:

- ``jsonPointers`` (RFC 6901); a pointer to nothing is fine;
- ``jqPathExpressions``, run with the real jq (``del(expr)`` is ``delpaths([path(expr)])``,
  which is how they are evaluated here, so the same paths serve ``respect_ignored``);
- ``managedFieldsManagers``: every field those managers own in the LIVE object's
  ``managedFields``. A manager owning a mapping itself (``.``) and fields inside it ignores
  just those fields, so the fields other managers own in the same mapping stay compared.

``compare.diff_object`` calls :func:`apply_ignore_rules` on both sides; the sync stage calls
:func:`respect_ignored` for ``RespectIgnoreDifferences=true``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import jq

from gitopsd.diff.fields import FieldPath, fields_v1_paths, graft, locate
from gitopsd.diff.paths import (
    Path,
    clone,
    delete_all,
    get_at,
    has_path,
    parse_pointer,
    resolve,
    set_at,
)
from gitopsd.errors import SpecError
from gitopsd.model.globs import glob_match
from gitopsd.model.keys import ResourceKey
from gitopsd.spec import IgnoreDifference


def rule_matches(rule: IgnoreDifference, key: ResourceKey) -> bool:
    """Whether ``rule`` applies to the object ``key`` names."""
    return (
        glob_match(rule.group, key.group)
        and glob_match(rule.kind, key.kind)
        and (not rule.name or glob_match(rule.name, key.name))
        and (not rule.namespace or glob_match(rule.namespace, key.namespace))
    )


def apply_ignore_rules(
    key: ResourceKey,
    obj: dict[str, Any],
    rules: Sequence[IgnoreDifference],
    live: dict[str, Any] | None,
) -> dict[str, Any]:
    """A copy of ``obj`` without the fields the rules matching ``key`` ignore.

    ``live`` (raw, with ``managedFields``) tells which fields ``managedFieldsManagers`` own.
    Raises SpecError (naming ``key`` and the rule) for an invalid pointer or jq expression.
    """
    result = clone(obj)
    paths: list[Path] = []
    for rule in _matching(rules, key):
        paths.extend(_concrete_paths(key, rule, obj))
        for field_path in _owned_fields(rule, live):
            located = locate(obj, field_path)
            if located is not None:
                paths.append(located)
    delete_all(result, paths)
    return result


def respect_ignored(
    desired: dict[str, Any],
    live: dict[str, Any] | None,
    rules: Sequence[IgnoreDifference],
    key: ResourceKey,
) -> dict[str, Any]:
    """``desired`` with every ignored field replaced by its live value (removed if not live).

    What ``RespectIgnoreDifferences=true`` applies: fields the rules ignore keep whatever
    the cluster holds. Without a live object there is nothing to keep: ``desired`` as is.
    """
    result = clone(desired)
    if live is None:
        return result
    removed: list[Path] = []
    for rule in _matching(rules, key):
        paths = set(_concrete_paths(key, rule, desired)) | set(_concrete_paths(key, rule, live))
        for path in sorted(paths, key=len):
            if has_path(live, path):
                set_at(result, path, clone(get_at(live, path)))
            else:
                removed.append(path)
        for field_path in _owned_fields(rule, live):
            graft(result, live, field_path)
    delete_all(result, removed)
    return result


def ignore_rule_problems(rules: Sequence[IgnoreDifference], field: str) -> list[str]:
    """What is wrong with ``rules``, one message per bad entry naming it
    (``spec.ignoreDifferences[0].jsonPointers[1]: ...``); [] when every entry is usable.

    Checked before any comparison, so a bad rule is reported instead of failing every
    pass. A jq expression is compiled and run once on an empty object: syntax errors
    and expressions that are not paths (``.a | length``) are found; errors that depend on
    an object's shape are not errors of the rule.
    """
    problems = []
    for index, rule in enumerate(rules):
        entry = f"{field}[{index}]"
        for position, pointer in enumerate(rule.json_pointers):
            try:
                parse_pointer(pointer)
            except SpecError as e:
                problems.append(f"{entry}.jsonPointers[{position}]: {e}")
        for position, expression in enumerate(rule.jq_path_expressions):
            problem = _jq_problem(expression)
            if problem:
                problems.append(f"{entry}.jqPathExpressions[{position}]: {problem}")
    return problems


def _jq_problem(expression: str) -> str:
    try:
        program = _compiled(expression)
    except ValueError as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else "syntax error"
        return f"{expression!r} is invalid: {reason}"
    try:
        program.input_value({}).first()
    except ValueError as e:
        if "Invalid path expression" in str(e):
            return f"{expression!r} is not a path expression"
    return ""


def _matching(rules: Sequence[IgnoreDifference], key: ResourceKey) -> list[IgnoreDifference]:
    return [rule for rule in rules if rule_matches(rule, key)]


def _concrete_paths(key: ResourceKey, rule: IgnoreDifference, obj: dict[str, Any]) -> list[Path]:
    """The paths in ``obj`` the rule's JSON pointers and jq expressions select."""
    paths: list[Path] = []
    for pointer in rule.json_pointers:
        try:
            tokens = parse_pointer(pointer)
        except SpecError as e:
            raise SpecError(f"{key}: ignoreDifferences: {e}") from e
        located = resolve(obj, tokens)
        if located:
            paths.append(located)
    for expression in rule.jq_path_expressions:
        paths.extend(p for p in _jq_paths(key, expression, obj) if p and has_path(obj, p))
    return paths


def _jq_paths(key: ResourceKey, expression: str, obj: dict[str, Any]) -> list[Path]:
    program = _compile(key, expression)
    try:
        found = program.input_value(obj).first()
    except ValueError as e:
        if "Invalid path expression" in str(e):
            # jq's message quotes the selected value, which may be a secret: leave it out.
            raise SpecError(
                f"{key}: ignoreDifferences jqPathExpression {expression!r} is not a path expression"
            ) from None
        # The expression does not fit this object's shape (e.g. indexes a string).
        return []
    return [tuple(p) for p in found or [] if isinstance(p, list)]


def _compile(key: ResourceKey, expression: str) -> Any:
    try:
        return _compiled(expression)
    except ValueError as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else "syntax error"
        raise SpecError(
            f"{key}: ignoreDifferences jqPathExpression {expression!r} is invalid: {reason}"
        ) from e


@functools.lru_cache(maxsize=512)
def _compiled(expression: str) -> Any:
    # Compiling is the costly part of jq; rules are few and applied to every object.
    return jq.compile(f"[path({expression})]")


def _owned_fields(rule: IgnoreDifference, live: dict[str, Any] | None) -> list[FieldPath]:
    """Fields the rule's managers own in ``live``, minus mappings owned through their fields."""
    if not rule.managed_fields_managers or live is None:
        return []
    owned: set[FieldPath] = set()
    for entry in (live.get("metadata") or {}).get("managedFields") or []:
        if not isinstance(entry, dict) or entry.get("manager") not in rule.managed_fields_managers:
            continue
        tree = entry.get("fieldsV1")
        if isinstance(tree, dict):
            owned.update(fields_v1_paths(tree))
    return sorted(p for p in owned if not _owned_through_children(p, owned))


def _owned_through_children(path: FieldPath, owned: set[FieldPath]) -> bool:
    # A list item (k:, v:, i:) owned with its fields goes as a whole; a mapping does not.
    if not path[-1].startswith("f:"):
        return False
    return any(len(other) > len(path) and other[: len(path)] == path for other in owned)
