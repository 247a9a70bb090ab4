"""Kubernetes label selectors in their string form (``app=web,tier!=db,env in (a,b),!x``).

One parser for every place that reads a selector: the server's application list and
stream filters (``?selector=``) and ``MemoryCluster.list``, which answers a selector that
does not parse as the API server does (400). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gitopsd.errors import ConfigError

Requirement = Callable[[Mapping[str, str]], bool]
_SET = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQUALITY = re.compile(r"^\s*([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([\w./-]+)\s*$")


@dataclass(frozen=True)
class LabelSelector:
    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(requirement(labels) for requirement in self.requirements)


def parse_selector(text: str | None) -> LabelSelector:
    """Every comma-separated requirement, all required; ConfigError names the part that
    is not a requirement. No text selects everything."""
    parts = _split(text or "")
    return LabelSelector(tuple(_requirement(part) for part in parts if part.strip()))


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _requirement(part: str) -> Requirement:
    if found := _SET.match(part):
        key, operator, values = found.groups()
        wanted = frozenset(v.strip() for v in values.split(",") if v.strip())
        if operator == "in":
            return lambda labels: labels.get(key) in wanted
        return lambda labels: labels.get(key) not in wanted
    if found := _EQUALITY.match(part):
        key, operator, value = found.groups()
        if operator == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if found := _EXISTS.match(part):
        negated, key = found.groups()
        if negated:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise ConfigError(f"label selector: cannot read {part.strip()!r}")
