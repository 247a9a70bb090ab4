"""Repository path patterns for the Git generators, matched like Go's ``path.Match``.

``*`` matches any run of characters within one path segment, ``?`` one character other than
``/``, ``[...]`` a character class (``[^...]`` or ``[!...]`` negated, ``\\`` escapes). The
whole path must match. As an extension, a segment that is exactly ``**`` matches zero or more
whole segments (``apps/**/config.json``). Called by :mod:`gitopsd.appset.repos` when listing
directories and files.
"""

from __future__ import annotations

import functools
import re

from gitopsd.errors import SpecError


def matches(pattern: str, path: str) -> bool:
    """Whether repo-relative ``path`` matches ``pattern`` (leading ``./`` and ``/`` ignored)."""
    return _compile(_clean(pattern)).fullmatch(_clean(path)) is not None


def _clean(value: str) -> str:
    while value.startswith("./"):
        value = value[2:]
    return value.strip("/")


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    segments = pattern.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            # Zero or more whole segments, with their separators.
            parts.append(".*" if last else "(?:[^/]*/)*")
            continue
        parts.append(_segment_regex(segment, pattern))
        if not last:
            parts.append("/")
    return re.compile("".join(parts))


def _segment_regex(segment: str, pattern: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and index + 1 < len(segment):
            index += 1
            out.append(re.escape(segment[index]))
        elif char == "[":
            end, klass = _char_class(segment, index, pattern)
            out.append(klass)
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def _char_class(segment: str, start: int, pattern: str) -> tuple[int, str]:
    """Translate ``[...]`` starting at ``start``; returns (index of ``]``, regex)."""
    index = start + 1
    negate = index < len(segment) and segment[index] in "^!"
    if negate:
        index += 1
    body: list[str] = []
    while index < len(segment) and (segment[index] != "]" or not body):
        char = segment[index]
        if char == "\\" and index + 1 < len(segment):
            index += 1
            char = segment[index]
        body.append("-" if char == "-" else re.escape(char))
        index += 1
    if index >= len(segment):
        raise SpecError(f"invalid path pattern {pattern!r}: unterminated character class")
    return index, f"[{'^/' if negate else ''}{''.join(body)}]"
