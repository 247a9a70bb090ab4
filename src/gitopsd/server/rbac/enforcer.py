"""``Enforcer``: may these subjects do this action on this object? Casbin decides.

Built from the built-in roles, ``gitopsd-rbac-cm`` and the AppProject roles, and replaced
as a whole when any of them changes (never edited in place, so a request sees one
consistent policy). A request is allowed when some subject — the user's name, each of
their groups, or the ``policy.default`` role — is allowed by a line, and no subject is
denied by one: deny wins. Casbin compiles its matcher on every call (about half a
millisecond), so decisions are memoised per policy. Before asking Casbin, the enforcer
looks at the lines that could apply (the subjects' own and their roles', for this resource
and action): when none of their object patterns looks past the project (``*``, ``*/*``,
``backend/*``), one decision per project serves every application in it, so a list of a
thousand applications costs a handful of Casbin calls.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from enum import Enum

import casbin

from gitopsd.server.rbac.globs import glob_match, regex_match
from gitopsd.server.rbac.model import ALLOW_MODEL, BUILTIN_POLICY, MATCH_FUNCTION, NOT_DENIED_MODEL
from gitopsd.server.rbac.policy import PolicyLine, RbacConfig, parse_policy_csv

MAX_MEMO = 200_000
Decision = tuple[tuple[str, ...], str, str, str]

BUILTIN_LINES = tuple(parse_policy_csv(BUILTIN_POLICY, where="built-in policy"))


class Granularity(Enum):
    """What a decision depends on, given the lines that could apply."""

    PROJECT = "project"  # only the part before the first "/" of the object
    OBJECT = "object"


class Enforcer:
    """One immutable policy: the built-in roles plus ``config`` plus ``extra`` lines."""

    def __init__(self, config: RbacConfig, extra: Sequence[PolicyLine] = ()) -> None:
        self.config = config
        lines = [*BUILTIN_LINES, *config.lines, *extra]
        self.lines = tuple(lines)
        self._allow = _casbin(ALLOW_MODEL, lines, config.match_mode)
        self._not_denied = _casbin(NOT_DENIED_MODEL, lines, config.match_mode)
        self._has_deny = any(line.ptype == "p" and line.fields[4] == "deny" for line in lines)
        self._memo: dict[Decision, bool] = {}
        self._granularity: dict[tuple[tuple[str, ...], str, str], Granularity] = {}
        self._roles = _role_graph(line for line in lines if line.ptype == "g")
        self._lock = threading.Lock()

    def allowed(self, subjects: Sequence[str], resource: str, action: str, obj: str) -> bool:
        everyone = tuple(s for s in dict.fromkeys([*subjects, self.config.default_role]) if s)
        memo_key = (everyone, resource, action, self._memo_object(everyone, resource, action, obj))
        with self._lock:
            known = self._memo.get(memo_key)
        if known is not None:
            return known
        decision = self._decide((everyone, resource, action, obj))
        with self._lock:
            if len(self._memo) >= MAX_MEMO:
                self._memo.clear()
            self._memo[memo_key] = decision
        return decision

    def decides_by_project(self, subjects: Sequence[str], resource: str, action: str) -> bool:
        """True when, for these subjects, the answer for ``<project>/<app>`` depends on
        the project alone: callers may then ask once per project."""
        everyone = tuple(s for s in dict.fromkeys([*subjects, self.config.default_role]) if s)
        return self._memo_object(everyone, resource, action, "p/a").startswith("project:")

    def _memo_object(self, subjects: tuple[str, ...], resource: str, action: str, obj: str) -> str:
        key = (subjects, resource, action)
        with self._lock:
            granularity = self._granularity.get(key)
        if granularity is None:
            granularity = self._granularity_of(subjects, resource, action)
            with self._lock:
                self._granularity[key] = granularity
        if granularity is Granularity.PROJECT and obj.count("/") == 1:
            return "project:" + obj.split("/", 1)[0]
        return "object:" + obj

    def _granularity_of(self, subjects: tuple[str, ...], resource: str, action: str) -> Granularity:
        """PROJECT when every line that could apply matches ``<project pattern>/*`` or ``*``.

        With objects ``<project>/<app>`` (neither part contains ``/``), such a pattern's
        answer depends on the project alone. Regex mode is always decided per object.
        """
        if self.config.match_mode != "glob":
            return Granularity.OBJECT
        closure = _closure(subjects, self._roles)
        for line in self.lines:
            if line.ptype != "p" or line.fields[0] not in closure:
                continue
            if not (glob_match(resource, line.fields[1]) and glob_match(action, line.fields[2])):
                continue
            pattern = line.fields[3]
            head, slash, tail = pattern.partition("/")
            if pattern != "*" and not (slash and tail == "*" and "/" not in head):
                return Granularity.OBJECT
        return Granularity.PROJECT

    def _decide(self, key: Decision) -> bool:
        subjects, resource, action, obj = key
        with self._lock:  # Casbin's enforcers are not documented as thread-safe
            if self._has_deny and not all(
                self._not_denied.enforce(s, resource, action, obj) for s in subjects
            ):
                return False
            return any(self._allow.enforce(s, resource, action, obj) for s in subjects)


def _casbin(model_text: str, lines: Sequence[PolicyLine], match_mode: str) -> casbin.Enforcer:
    model = casbin.model.Model()
    model.load_model_from_text(model_text)
    enforcer = casbin.Enforcer(model)
    enforcer.add_function(MATCH_FUNCTION, regex_match if match_mode == "regex" else glob_match)
    policies = [list(line.fields) for line in lines if line.ptype == "p"]
    groupings = [list(line.fields) for line in lines if line.ptype == "g"]
    if policies:
        enforcer.add_named_policies("p", _unique(policies))
    if groupings:
        enforcer.add_named_grouping_policies("g", _unique(groupings))
    return enforcer


def _unique(rows: list[list[str]]) -> list[list[str]]:
    """Casbin refuses a batch containing a line it already holds."""
    return [list(row) for row in dict.fromkeys(tuple(row) for row in rows)]


def _role_graph(groupings: Iterable[PolicyLine]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for line in groupings:
        graph.setdefault(line.fields[0], set()).add(line.fields[1])
    return graph


def _closure(subjects: Iterable[str], graph: dict[str, set[str]]) -> set[str]:
    """The subjects and every role they reach through ``g`` lines."""
    seen: set[str] = set()
    pending = list(subjects)
    while pending:
        subject = pending.pop()
        if subject not in seen:
            seen.add(subject)
            pending.extend(graph.get(subject, ()))
    return seen
