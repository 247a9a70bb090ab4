"""Glob matching with Argo CD's AppProject semantics, used by every project rule.

``*`` matches any run of characters except the separator (``/`` for repository URLs, none
for names and namespaces), ``**`` matches across separators, ``?`` one character,
``[abc]``/``[!abc]`` a class and ``{a,b}`` alternatives. A pattern starting with ``!`` is a
deny pattern; callers decide what denying means and match the rest with :func:`glob_match`.
Called by ``gitopsd.project.rules``, ``windows`` and ``orphans``.
"""

from __future__ import annotations

import functools
import re

DENY_PREFIX = "!"


def is_deny(pattern: str) -> bool:
    """Whether ``pattern`` is a deny pattern (``!kube-system``)."""
    return pattern.startswith(DENY_PREFIX)


def without_deny(pattern: str) -> str:
    """``!kube-system`` -> ``kube-system``; allow patterns are returned unchanged."""
    return pattern.removeprefix(DENY_PREFIX)


def glob_match(pattern: str, value: str, *, separator: str = "") -> bool:
    """Whether ``value`` matches ``pattern`` entirely; a lone ``*`` matches everything."""
    if pattern == "*":
        return True
    return _compile(pattern, separator).fullmatch(value) is not None


def any_match(patterns: tuple[str, ...], value: str) -> bool:
    """Whether any of ``patterns`` matches ``value`` (no separator)."""
    return any(glob_match(pattern, value) for pattern in patterns)


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str, separator: str) -> re.Pattern[str]:
    return re.compile(_translate(pattern, separator), re.DOTALL)


def _translate(pattern: str, separator: str) -> str:
    not_sep = f"[^{re.escape(separator)}]" if separator else "."
    out: list[str] = []
    depth = 0  # nesting of {a,b} alternatives
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        index += 1
        if char == "*":
            out.append(f"{not_sep}*")
        elif char == "?":
            out.append(not_sep)
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end < 0:
                out.append(re.escape(char))
                continue
            body = pattern[index:end]
            negate = body.startswith("!")
            out.append(
                "[" + ("^" if negate else "") + body.removeprefix("!").replace("\\", "\\\\") + "]"
            )
            index = end + 1
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(char))
    out.extend(")" * depth)
    return "".join(out)
