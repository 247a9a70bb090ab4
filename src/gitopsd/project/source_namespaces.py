"""Which namespaces Applications may live in, and which of them may use a project.

Argo CD's "applications in any namespace", enforced twice:

- the controller's setting ``application.namespaces`` (``gitopsd run
  --application-namespaces``) enables namespaces besides the control-plane namespace;
  Applications anywhere else are outside the controller's scope and never looked at;
- an AppProject's ``spec.sourceNamespaces`` lists the namespaces whose Applications may
  use it. The control-plane namespace may use every project; the built-in ``default``
  project lists none, so it admits no other namespace unless configured to.

Patterns are Argo CD's: a namespace name, a glob (``team-*``, ``{a,b}``, ``?``, ``[ab]``;
``*`` alone matches every namespace) or a regular expression between slashes
(``/^team-[0-9]+$/``). As in Argo CD, a regular expression matches anywhere in the name
unless anchored. Called by the reconciler before anything is rendered (through
:func:`source_namespace_violation`), by the operator to decide what to watch and process,
and by ``config`` to parse the setting.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitopsd.errors import SpecError
from gitopsd.model.globs import glob_match

if TYPE_CHECKING:  # projects.py validates its patterns with check_pattern
    from gitopsd.project.projects import Project

REGEX_DELIMITER = "/"
# Characters that make a pattern a glob rather than one namespace name.
_GLOB_CHARACTERS = frozenset("*?[]{}")


def is_regex(pattern: str) -> bool:
    """``/…/`` is a regular expression; everything else is a name or a glob."""
    return (
        len(pattern) >= 2
        and pattern.startswith(REGEX_DELIMITER)
        and pattern.endswith(REGEX_DELIMITER)
    )


def is_exact(pattern: str) -> bool:
    """Whether ``pattern`` names exactly one namespace (no glob, no regular expression)."""
    return not is_regex(pattern) and not (_GLOB_CHARACTERS & set(pattern))


def check_pattern(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used (an empty or invalid regular expression), or None."""
    if not pattern:
        return "an empty namespace pattern"
    if not is_regex(pattern):
        return None
    body = pattern[1:-1]
    if not body:
        return f"{pattern}: an empty regular expression"
    try:
        _compile(body)
    except re.error as error:
        return f"{pattern}: invalid regular expression: {error}"
    return None


def parse_namespace_patterns(text: str) -> tuple[str, ...]:
    """A comma-separated list (``team-a, team-*, /^ci-/``) as patterns; SpecError names the
    first unusable one. Blank entries are skipped, so ``""`` is the empty list."""
    patterns = tuple(entry.strip() for entry in text.split(",") if entry.strip())
    for pattern in patterns:
        problem = check_pattern(pattern)
        if problem:
            raise SpecError(problem)
    return patterns


def namespace_matches(pattern: str, namespace: str) -> bool:
    """Whether ``namespace`` matches one pattern. An unusable pattern matches nothing."""
    if check_pattern(pattern):
        return False
    if is_regex(pattern):
        return _compile(pattern[1:-1]).search(namespace) is not None
    return glob_match(pattern, namespace)


def matches_any(patterns: tuple[str, ...], namespace: str) -> bool:
    return any(namespace_matches(pattern, namespace) for pattern in patterns)


@functools.lru_cache(maxsize=256)
def _compile(expression: str) -> re.Pattern[str]:
    return re.compile(expression)


@dataclass(frozen=True)
class ApplicationNamespaces:
    """Where this controller looks for Applications: ``control`` (its own namespace, which
    also holds AppProjects, Secrets and gitopsd-cm) and the ``enabled`` patterns."""

    control: str
    enabled: tuple[str, ...] = ()

    def includes(self, namespace: str) -> bool:
        """Whether Applications in ``namespace`` are in this controller's scope."""
        return namespace == self.control or matches_any(self.enabled, namespace)

    def exact_namespaces(self) -> tuple[str, ...] | None:
        """The other namespaces to watch one by one, sorted; None when a glob or regular
        expression is enabled, which takes a cluster-wide watch filtered by
        :meth:`includes`."""
        if not all(is_exact(pattern) for pattern in self.enabled):
            return None
        return tuple(sorted({p for p in self.enabled if p != self.control}))


def source_namespace_violation(
    app_namespace: str, scope: ApplicationNamespaces, project: Project
) -> str | None:
    """Why an Application in ``app_namespace`` may not be reconciled with ``project``, or
    None when it may. The control-plane namespace may use any project; another namespace
    must be enabled on the controller and listed in the project's ``sourceNamespaces``."""
    if app_namespace == scope.control:
        return None
    if not scope.includes(app_namespace):
        return (
            f"application namespace {app_namespace} is not enabled on this controller "
            f"(application.namespaces)"
        )
    if matches_any(project.source_namespaces, app_namespace):
        return None
    return (
        f"application namespace {app_namespace} is not permitted in project "
        f"{project.name} (sourceNamespaces)"
    )
