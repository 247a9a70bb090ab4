"""Matching a request's resource, action and object against a policy's patterns.

``glob`` (Argo CD's default ``policy.matchMode``): ``*`` matches any run of characters,
``/`` included (so ``*`` covers every ``project/app``), ``?`` one character, ``[abc]`` a
class and ``{a,b}`` alternatives. ``regex``: the pattern must match the whole value.
Patterns are compiled once and kept.
"""

from __future__ import annotations

import functools
import re

from gitopsd.errors import ConfigError


@functools.lru_cache(maxsize=4096)
def _glob_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(_translate(pattern), re.DOTALL)


def _translate(pattern: str) -> str:
    out, index, depth = [], 0, 0
    while index < len(pattern):
        char = pattern[index]
        index += 1
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = pattern.find("]", index)
            if end < 0:
                out.append(re.escape(char))
                continue
            body = pattern[index:end].replace("\\", "\\\\")
            body = "^" + body[1:] if body.startswith("!") else body
            out.append(f"[{body}]")
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
    if depth:
        raise ConfigError(f"policy pattern {pattern!r}: unbalanced '{{'")
    return "".join(out)


def glob_match(value: str, pattern: str) -> bool:
    return _glob_pattern(pattern).fullmatch(value) is not None


@functools.lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def regex_match(value: str, pattern: str) -> bool:
    return _regex(pattern).fullmatch(value) is not None


def check_pattern(pattern: str, mode: str) -> None:
    """Raise ConfigError when ``pattern`` cannot be compiled in ``mode``."""
    try:
        if mode == "regex":
            _regex(pattern)
        else:
            _glob_pattern(pattern)
    except re.error as error:
        raise ConfigError(f"policy pattern {pattern!r}: {error}") from error
