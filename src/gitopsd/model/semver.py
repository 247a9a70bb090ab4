"""Semantic versions and the version constraints Helm accepts, to choose a chart version.

Helm reads ``--version`` and a dependency's ``version`` as a constraint in the syntax of
the Masterminds semver library; Argo CD passes ``targetRevision`` to Helm as that, so the
same strings must pick the same chart here:

- versions ``[v]MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]`` (missing parts are 0);
- terms ``=``, ``!=``, ``>``, ``>=``, ``<``, ``<=`` (``=<``), ``~`` (``~>``), ``^``;
  wildcards ``x``, ``X``, ``*`` and missing parts (``1.2`` means ``1.2.x``); hyphen ranges
  ``1.2 - 1.4.5``; terms joined by spaces or commas (all must hold) and ``||`` (either);
- a pre-release version satisfies a constraint only when one of its terms names a
  pre-release (``>=1.0.0-0``), so ``*`` never picks ``2.0.0-rc.1``.

:func:`best_match` is the highest version a constraint allows. Pure; called by the chart
repository and OCI clients (``gitopsd.source``) and by the dependency resolver.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import total_ordering

from gitopsd.errors import SpecError

_VERSION = re.compile(
    r"^v?(?P<major>0|[1-9]\d*|[xX*])(?:\.(?P<minor>0|[1-9]\d*|[xX*]))?"
    r"(?:\.(?P<patch>0|[1-9]\d*|[xX*]))?"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+(?P<build>[0-9A-Za-z.-]+))?$"
)
_TERM = re.compile(r"^(?P<op>!=|>=|<=|=<|=>|~>|[=<>~^])?\s*(?P<version>\S+)$")
_HYPHEN = re.compile(r"(\S+)\s+-\s+(\S+)")
_WILD = ("x", "X", "*")
_MAX_CONSTRAINT = 256


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    text: str = ""  # as written (index entries keep their own spelling)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: Version) -> bool:
        return self._key() < other._key()

    def _key(self) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
        # A release sorts after its pre-releases; numeric identifiers before alphanumeric.
        pre = tuple((0, int(p)) if p.isdigit() else (1, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __str__(self) -> str:
        return self.text or f"{self.major}.{self.minor}.{self.patch}"


def parse_version(text: str) -> Version | None:
    """A concrete version, or None (wildcards are not versions)."""
    match = _VERSION.match(text.strip())
    if match is None or any(match[p] in _WILD for p in ("major", "minor", "patch")):
        return None
    return Version(
        int(match["major"]),
        int(match["minor"] or 0),
        int(match["patch"] or 0),
        tuple(match["pre"].split(".")) if match["pre"] else (),
        text.strip(),
    )


@dataclass(frozen=True)
class _Term:
    low: Version | None  # inclusive lower bound
    high: Version | None  # exclusive upper bound
    negate: bool = False
    prerelease: bool = False  # the term names a pre-release

    def allows(self, version: Version) -> bool:
        inside = (self.low is None or version >= self.low) and (
            self.high is None or version < self.high
        )
        return inside != self.negate


@dataclass(frozen=True)
class Constraint:
    """Alternatives (``||``), each a conjunction of terms."""

    text: str
    groups: tuple[tuple[_Term, ...], ...]

    def allows(self, version: Version) -> bool:
        for group in self.groups:
            if version.prerelease and not any(t.prerelease for t in group):
                continue
            if all(term.allows(version) for term in group):
                return True
        return False


def parse_constraint(text: str) -> Constraint:
    """The constraint ``text``; SpecError naming what Helm would not accept either."""
    if len(text) > _MAX_CONSTRAINT:
        raise SpecError(f"version constraint is longer than {_MAX_CONSTRAINT} characters")
    source = text.strip() or "*"
    groups = []
    for alternative in source.split("||"):
        words = _HYPHEN.sub(r"\1@-@\2", alternative.replace(",", " ")).split()
        if not words:
            raise SpecError(f"version constraint {text!r} has an empty alternative")
        groups.append(tuple(_term(word, text) for word in _join_operators(words)))
    return Constraint(text, tuple(groups))


def _join_operators(words: list[str]) -> list[str]:
    """``>= 1.0`` written with a space is one term."""
    joined: list[str] = []
    for word in words:
        if joined and re.fullmatch(r"!=|>=|<=|=<|=>|~>|[=<>~^]", joined[-1]):
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def _term(word: str, text: str) -> _Term:
    if "@-@" in word:
        first, last = word.split("@-@")
        low, _ = _bounds(first, text)
        _, high = _bounds(last, text)
        return _Term(low, high, prerelease="-" in first + last)
    match = _TERM.match(word)
    if match is None:
        raise SpecError(f"version constraint {text!r}: cannot read {word!r}")
    op = {"=<": "<=", "=>": ">=", "~>": "~"}.get(match["op"] or "=", match["op"] or "=")
    low, high = _bounds(match["version"], text)
    pre = "-" in match["version"]
    exact = _exact(match["version"])
    if op == "=":
        return _Term(low, high, prerelease=pre)
    if op == "!=":
        return _Term(low, high, negate=True, prerelease=pre)
    if op == ">":
        return _Term(high if exact is None else _next_patch(exact), None, prerelease=pre)
    if op == ">=":
        return _Term(low, None, prerelease=pre)
    if op == "<":
        return _Term(None, low, prerelease=pre)
    if op == "<=":
        return _Term(None, high, prerelease=pre)
    if op == "~":
        return _Term(low, _tilde_high(match["version"], text), prerelease=pre)
    return _Term(low, _caret_high(match["version"], text), prerelease=pre)  # ^


def _parts(version: str, text: str) -> tuple[list[int | None], tuple[str, ...]]:
    match = _VERSION.match(version)
    if match is None:
        raise SpecError(f"version constraint {text!r}: {version!r} is not a version")
    numbers: list[int | None] = []
    for part in ("major", "minor", "patch"):
        value = match[part]
        numbers.append(None if value is None or value in _WILD else int(value))
    # Everything after a wildcard is a wildcard too (1.x.3 means 1.x).
    for index in range(1, 3):
        if numbers[index - 1] is None:
            numbers[index] = None
    return numbers, tuple(match["pre"].split(".")) if match["pre"] else ()


def _bounds(version: str, text: str) -> tuple[Version | None, Version | None]:
    """The range ``version`` covers: exact, or [1.2.0, 1.3.0) for ``1.2``/``1.2.x``."""
    numbers, pre = _parts(version, text)
    major, minor, patch = numbers
    if major is None:
        return None, None
    if minor is None:
        return Version(major, 0, 0), Version(major + 1, 0, 0, ("0",))
    if patch is None:
        return Version(major, minor, 0), Version(major, minor + 1, 0, ("0",))
    exact = Version(major, minor, patch, pre)
    return exact, Version(major, minor, patch + 1, ("0",)) if not pre else _after(exact)


def _after(version: Version) -> Version:
    return Version(version.major, version.minor, version.patch, (*version.prerelease, "0"))


def _exact(version: str) -> Version | None:
    numbers, pre = _parts(version, version)
    if None in numbers:
        return None
    major, minor, patch = (int(n) for n in numbers)  # type: ignore[arg-type]
    return Version(major, minor, patch, pre)


def _next_patch(version: Version) -> Version:
    if version.prerelease:
        return _after(version)
    return Version(version.major, version.minor, version.patch + 1, ("0",))


def _tilde_high(version: str, text: str) -> Version:
    numbers, _ = _parts(version, text)
    major, minor = numbers[0] or 0, numbers[1]
    if minor is None:
        return Version(major + 1, 0, 0, ("0",))
    return Version(major, minor + 1, 0, ("0",))


def _caret_high(version: str, text: str) -> Version:
    numbers, _ = _parts(version, text)
    major, minor, patch = numbers
    if major is None or major > 0 or minor is None:
        return Version((major or 0) + 1, 0, 0, ("0",))
    if minor > 0 or patch is None:
        return Version(0, minor + 1, 0, ("0",))
    return Version(0, 0, patch + 1, ("0",))


def best_match(constraint: Constraint, versions: Iterable[str]) -> str | None:
    """The highest of ``versions`` that ``constraint`` allows (as written), or None."""
    allowed = [v for v in (parse_version(t) for t in versions) if v and constraint.allows(v)]
    return str(max(allowed)) if allowed else None


def is_exact(text: str) -> bool:
    """Whether ``text`` names one concrete version (``1.2.3``, ``v1.2.3-rc.1``)."""
    match = _VERSION.match(text.strip())
    return match is not None and all(
        match[p] is not None and match[p] not in _WILD for p in ("major", "minor", "patch")
    )
