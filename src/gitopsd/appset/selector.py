"""Kubernetes label selectors (``matchLabels`` + ``matchExpressions``) over plain maps.

Used by the clusters generator (over cluster Secret labels) and by every generator's
``selector`` post-filter (over its flattened parameters), as in Argo CD.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitopsd.errors import SpecError

_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def is_empty(selector: Mapping[str, Any] | None) -> bool:
    return not selector or not (selector.get("matchLabels") or selector.get("matchExpressions"))


def validate(selector: Mapping[str, Any] | None) -> None:
    """Raise SpecError for a malformed selector, even when there is nothing to match."""
    for expression in (selector or {}).get("matchExpressions") or []:
        _expression(expression, {})


def matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Whether ``labels`` satisfy every term of ``selector`` (an empty selector matches)."""
    if not selector:
        return True
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(str(key)) != str(value):
            return False
    return all(_expression(e, labels) for e in selector.get("matchExpressions") or [])


def _expression(expression: Any, labels: Mapping[str, str]) -> bool:
    if not isinstance(expression, dict):
        raise SpecError("selector.matchExpressions entries must be objects")
    key = str(expression.get("key") or "")
    operator = str(expression.get("operator") or "")
    values = [str(v) for v in expression.get("values") or []]
    if not key or operator not in _OPERATORS:
        raise SpecError(f"invalid selector expression {expression!r}")
    if operator in ("In", "NotIn") and not values:
        raise SpecError(f"selector operator {operator} on {key!r} needs values")
    if operator in ("Exists", "DoesNotExist") and values:
        raise SpecError(f"selector operator {operator} on {key!r} takes no values")
    present = key in labels
    if operator == "In":
        return present and labels[key] in values
    if operator == "NotIn":
        return not present or labels[key] not in values
    return present if operator == "Exists" else not present
