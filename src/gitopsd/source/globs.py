"""Glob patterns as Argo CD writes them, compiled to regular expressions.

Supports ``*``, ``?``, ``[...]``, ``**`` and brace lists ``{a.yaml,b.yaml}``. Two flavours:
path-aware globs (``*`` stops at ``/``, ``**`` crosses it) for listing repository files
(ApplicationSet Git generators), and Argo CD's ``directory.include``/``exclude`` matching,
where ``*`` matches any run of characters including ``/``. Called by
:meth:`GitRepositories.list_files` and by :mod:`gitopsd.render.directory`.
"""

from __future__ import annotations

import functools
import re


def _split_braces(body: str) -> list[str]:
    """Split a brace body on top-level commas (``a,{b,c}`` -> ``a``, ``{b,c}``)."""
    parts, depth, current = [], 0, ""
    for char in body:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += (char == "{") - (char == "}")
        current += char
    parts.append(current)
    return parts


def _closing(pattern: str, start: int, opening: str, closing: str) -> int:
    depth = 0
    for index in range(start, len(pattern)):
        if pattern[index] == opening:
            depth += 1
        elif pattern[index] == closing:
            depth -= 1
            if depth == 0:
                return index
    return -1


def _translate(pattern: str, path_aware: bool) -> str:
    star = "[^/]*" if path_aware else ".*"
    single = "[^/]" if path_aware else "."
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index) and path_aware:
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif char == "*":
            out.append(star)
            index += 1
        elif char == "?":
            out.append(single)
            index += 1
        elif char in "[{":
            end = _closing(pattern, index, char, "]" if char == "[" else "}")
            if end < 0:
                out.append(re.escape(char))
                index += 1
                continue
            body = pattern[index + 1 : end]
            if char == "[":
                negate = body.startswith(("!", "^"))
                inner = re.escape(body[1:] if negate else body).replace("\\-", "-")
                out.append(f"[{'^' if negate else ''}{inner}]")
            else:
                alternatives = (_translate(p, path_aware) for p in _split_braces(body))
                out.append("(?:" + "|".join(alternatives) + ")")
            index = end + 1
        else:
            out.append(re.escape(char))
            index += 1
    return "".join(out)


@functools.lru_cache(maxsize=256)
def compile_glob(pattern: str, *, path_aware: bool = True) -> re.Pattern[str]:
    """A regex matching whole strings that ``pattern`` matches."""
    return re.compile(_translate(pattern, path_aware) + r"\Z", re.DOTALL)


def glob_match(pattern: str, text: str, *, path_aware: bool = True) -> bool:
    return compile_glob(pattern, path_aware=path_aware).match(text) is not None
