"""Matching a request's resource, action and object against a policy's patterns.

``glob`` (Argo CD's default ``policy.matchMode``): :func:`gitopsd.model.globs.glob_match`
without a separator, so ``*`` covers every ``project/app``. ``regex``: the pattern must
match the whole value. Patterns are compiled once and kept.
"""

from __future__ import annotations

import functools
import re

from gitopsd.errors import ConfigError
from gitopsd.model import globs


def glob_match(value: str, pattern: str) -> bool:
    """Casbin's argument order (value first) for :func:`gitopsd.model.globs.glob_match`."""
    return globs.glob_match(pattern, value)


@functools.lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def regex_match(value: str, pattern: str) -> bool:
    return _regex(pattern).fullmatch(value) is not None


def check_pattern(pattern: str, mode: str) -> None:
    """Raise ConfigError when ``pattern`` cannot be compiled in ``mode``."""
    if mode != "regex":
        problem = globs.glob_problem(pattern)
        if problem is not None:
            raise ConfigError(f"policy pattern {pattern!r}: {problem}")
        return
    try:
        _regex(pattern)
    except re.error as error:
        raise ConfigError(f"policy pattern {pattern!r}: {error}") from error
