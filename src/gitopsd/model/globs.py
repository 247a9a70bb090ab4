"""The one glob module: every wildcard pattern gitopsd reads is matched here.

Two flavours, because Argo CD has two:

- :func:`glob_match`, Argo CD's ``glob.Match``: ``*`` matches any run of characters except
  the optional ``separator`` (``/`` for repository URLs, none for names, namespaces,
  kinds, groups, directory ``include``/``exclude`` paths and RBAC objects), ``**`` matches
  across separators, ``?`` one character (not the separator), ``[abc]``, ``[a-z]`` and
  ``[!abc]`` a class, ``{a,b}`` alternatives (nested too), ``\\`` escapes the next
  character. A malformed piece (``[`` or ``{`` never closed) is taken literally, so a
  typo matches only itself, never more. A lone ``*`` matches everything.
- :func:`path_match`, for repository paths (ApplicationSet Git generators): the same
  syntax, where ``*``, ``?`` and classes stay within one path segment and a whole
  segment ``**`` matches zero or more segments (``apps/**/config.json`` matches
  ``apps/config.json``). Leading ``./`` and ``/`` are ignored on both sides. A malformed
  pattern is a ``SpecError`` naming it.

A pattern starting with ``!`` is a deny pattern in AppProject lists; :func:`is_deny` and
:func:`without_deny` say so, callers decide what denying means. Called by
``gitopsd.project`` (rules, windows, orphans, source namespaces), ``gitopsd.model.filters``
(resource exclusions), ``gitopsd.diff.ignore``, ``gitopsd.health.customizations``,
``gitopsd.render.directory``, ``gitopsd.appset`` and ``gitopsd.source`` (file listings)
and the server's RBAC.
"""

from __future__ import annotations

import functools
import re

from gitopsd.errors import SpecError

DENY_PREFIX = "!"


class _Malformed(ValueError):
    """A pattern piece that is never closed (only raised in strict mode)."""


def is_deny(pattern: str) -> bool:
    """Whether ``pattern`` is a deny pattern (``!kube-system``)."""
    return pattern.startswith(DENY_PREFIX)


def without_deny(pattern: str) -> str:
    """``!kube-system`` -> ``kube-system``; allow patterns are returned unchanged."""
    return pattern.removeprefix(DENY_PREFIX)


def glob_match(pattern: str, value: str, *, separator: str = "") -> bool:
    """Whether all of ``value`` matches ``pattern`` (Argo CD's ``glob.Match``)."""
    if pattern == "*":
        return True
    return _compiled(pattern, separator, strict=False, segments=False).fullmatch(value) is not None


def any_match(patterns: tuple[str, ...], value: str) -> bool:
    """Whether any of ``patterns`` matches ``value`` (no separator)."""
    return any(glob_match(pattern, value) for pattern in patterns)


def path_match(pattern: str, path: str) -> bool:
    """Whether repository-relative ``path`` matches ``pattern``, segment by segment.

    Raises SpecError for a malformed pattern (an unterminated ``[`` or ``{``)."""
    try:
        compiled = _compiled(_clean(pattern), "/", strict=True, segments=True)
    except _Malformed as error:
        raise SpecError(f"invalid path pattern {pattern!r}: {error}") from error
    return compiled.fullmatch(_clean(path)) is not None


def glob_problem(pattern: str) -> str | None:
    """What makes ``pattern`` malformed (an unterminated ``[`` or ``{``), or None."""
    try:
        _compiled(pattern, "", strict=True, segments=False)
    except _Malformed as error:
        return str(error)
    return None


def _clean(value: str) -> str:
    while value.startswith("./"):
        value = value[2:]
    return value.strip("/")


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str, separator: str, *, strict: bool, segments: bool) -> re.Pattern[str]:
    translator = _Translator(separator, strict=strict, segments=segments)
    return re.compile(translator.translate(pattern), re.DOTALL)


class _Translator:
    """Glob syntax to a regular expression. ``strict`` refuses unclosed pieces;
    ``segments`` lets a whole-segment ``**/`` match no segment at all."""

    def __init__(self, separator: str, *, strict: bool, segments: bool) -> None:
        self.separator = separator
        self.strict = strict
        self.segments = segments
        self.any_char = f"[^{re.escape(separator)}]" if separator else "."

    def translate(self, pattern: str) -> str:
        out: list[str] = []
        index = 0
        while index < len(pattern):
            piece, index = self._piece(pattern, index)
            out.append(piece)
        return "".join(out)

    def _piece(self, pattern: str, index: int) -> tuple[str, int]:
        """The regex for the piece starting at ``index``, and where the next one starts."""
        char = pattern[index]
        if pattern.startswith("**", index):
            return self._super_star(pattern, index)
        if char == "*":
            return f"{self.any_char}*", index + 1
        if char == "?":
            return self.any_char, index + 1
        if char == "\\" and index + 1 < len(pattern):
            return re.escape(pattern[index + 1]), index + 2
        if char == "[":
            return self._char_class(pattern, index)
        if char == "{":
            return self._alternatives(pattern, index)
        return re.escape(char), index + 1

    def _super_star(self, pattern: str, index: int) -> tuple[str, int]:
        """``**``: anything, separators included; for paths, a whole segment ``**/`` may
        also match no segment at all."""
        end = index + 2
        sep = self.separator
        whole_segment = self.segments and (index == 0 or pattern[index - 1] == sep)
        if whole_segment and pattern.startswith(sep, end):
            return f"(?:.*{re.escape(sep)})?", end + len(sep)
        return ".*", end

    def _char_class(self, pattern: str, index: int) -> tuple[str, int]:
        start = index + 1
        negate = pattern[start : start + 1] in ("!", "^")
        body_start = start + 1 if negate else start
        cursor, body = body_start, []
        while cursor < len(pattern) and (pattern[cursor] != "]" or cursor == body_start):
            char = pattern[cursor]
            if char == "\\" and cursor + 1 < len(pattern):
                cursor += 1
                char = pattern[cursor]
            body.append("-" if char == "-" and cursor > body_start else re.escape(char))
            cursor += 1
        if cursor >= len(pattern):
            return self._unclosed(pattern, index, "unterminated character class")
        excluded = re.escape(self.separator) if negate and self.separator else ""
        return f"[{'^' if negate else ''}{excluded}{''.join(body)}]", cursor + 1

    def _alternatives(self, pattern: str, index: int) -> tuple[str, int]:
        end = _closing_brace(pattern, index)
        if end < 0:
            return self._unclosed(pattern, index, "unterminated '{'")
        options = [self.translate(option) for option in _split_options(pattern[index + 1 : end])]
        return "(?:" + "|".join(options) + ")", end + 1

    def _unclosed(self, pattern: str, index: int, problem: str) -> tuple[str, int]:
        if self.strict:
            raise _Malformed(problem)
        return re.escape(pattern[index]), index + 1  # taken literally


def _closing_brace(pattern: str, start: int) -> int:
    depth, index = 0, start
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        depth += (char == "{") - (char == "}")
        if depth == 0:
            return index
        index += 1
    return -1


def _split_options(body: str) -> list[str]:
    """``a,{b,c}`` -> ``a``, ``{b,c}``: commas at the top level only."""
    options, depth, current, index = [], 0, "", 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            current += body[index : index + 2]
            index += 2
            continue
        if char == "," and depth == 0:
            options.append(current)
            current = ""
        else:
            depth += (char == "{") - (char == "}")
            current += char
        index += 1
    options.append(current)
    return options
