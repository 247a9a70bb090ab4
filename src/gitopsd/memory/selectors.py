"""Label selectors as ``list`` takes them: ``a=b``, ``a==b``, ``a!=b``, ``a``, ``!a``,
``a in (x,y)``, ``a notin (x,y)``, comma-separated and all required.

``MemoryCluster.list`` parses the selector once and matches each stored object; a selector
that does not parse is refused with Invalid (the API server answers 400).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from gitopsd.errors import Invalid

Requirement = Callable[[Mapping[str, str]], bool]

_SET = re.compile(r"^\s*(!?[\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQUALITY = re.compile(r"^\s*([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)([\w./-]+)\s*$")


def parse_selector(selector: str | None) -> Callable[[Mapping[str, str]], bool]:
    """A predicate over labels; raises Invalid for a malformed selector."""
    requirements = [_requirement(part) for part in _split(selector or "") if part.strip()]

    def matches(labels: Mapping[str, str]) -> bool:
        return all(requirement(labels) for requirement in requirements)

    return matches


def _split(selector: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _requirement(text: str) -> Requirement:
    if found := _SET.match(text):
        key, operator, values = found.group(1), found.group(2), found.group(3)
        wanted = {v.strip() for v in values.split(",") if v.strip()}
        if operator == "in":
            return lambda labels: labels.get(key) in wanted
        return lambda labels: labels.get(key) not in wanted
    if found := _EQUALITY.match(text):
        key, operator, value = found.groups()
        if operator == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if found := _EXISTS.match(text):
        negated, key = found.groups()
        if negated:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise Invalid(f"unable to parse requirement: {text.strip()!r}", status=400, reason="BadRequest")
