"""Warm Git caches for Applications another replica owns, so a takeover renders at once.

With sharding, a replica renders only its own Applications. When another replica dies,
the survivors take its Applications over; if the repositories those use had never been
fetched here, the first pass would wait for a clone. So every replica keeps every
repository any Application in its scope uses fetched and checked out at the revision it
names, once per reconcile interval: one ``ls-remote`` per repository and a fetch only
when a commit is new. Nothing is rendered ahead (renders stay in memory, and memory per
replica is what sharding saves); a takeover renders from a local checkout.

Only what the Application's project permits is fetched: a repository outside the
project's ``sourceRepos``, or an Application whose namespace its project does not allow,
is skipped, exactly as the reconciler would refuse it. Each round pages through the
Applications afresh and keeps only the (repository, revision) pairs, so nothing per
Application is held between rounds. Started by the runtime when sharding is on.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gitopsd.errors import GitopsdError
from gitopsd.operator.known import key_of
from gitopsd.project import (
    ApplicationNamespaces,
    check_source,
    find_project,
    source_namespace_violation,
)
from gitopsd.source import GitRepositories
from gitopsd.sync.environment import Environment

log = logging.getLogger(__name__)

Sources = tuple[tuple[str, str], ...]  # (repoURL, targetRevision)
# The first round waits this long after start, so it does not compete with the first
# passes over the replica's own Applications.
FIRST_ROUND_SECONDS = 10.0


@dataclass(frozen=True)
class _Wanted:
    project: str
    sources: Sources


def wanted_sources(app: dict[str, Any]) -> _Wanted:
    spec = app.get("spec") or {}
    raw = spec.get("sources") or ([spec["source"]] if spec.get("source") else [])
    sources = tuple(
        (str(s.get("repoURL") or ""), str(s.get("targetRevision") or "HEAD"))
        for s in raw
        if isinstance(s, dict) and s.get("repoURL")
    )
    return _Wanted(str(spec.get("project") or "default"), sources)


class RepoWarmer:
    def __init__(
        self,
        repos: GitRepositories,
        env: Environment,
        scope: Callable[[], ApplicationNamespaces],
        applications: Callable[[], Iterable[dict[str, Any]]],
        *,
        interval_seconds: float,
    ) -> None:
        self.repos = repos
        self.env = env
        self.scope = scope
        self.applications = applications
        self.interval = interval_seconds
        self._stop = threading.Event()
        self.rounds = 0

    def start(self) -> None:
        threading.Thread(target=self._run, name="git-warmer", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        wait = FIRST_ROUND_SECONDS
        while not self._stop.wait(wait):
            self.warm()
            wait = self.interval * (1 + 0.2 * random.random())

    def warm(self) -> int:
        """Fetch and check out every permitted (repository, revision); returns how many."""
        warmed = 0
        for url, revision in sorted(self.permitted()):
            if self._stop.is_set():
                break
            try:
                self.repos.checkout(url, self.repos.resolve(url, revision))
                warmed += 1
            except GitopsdError as error:  # the owner reports it; here it is only a cache
                log.debug("warming %s at %s: %s", url, revision, error)
        self.rounds += 1
        return warmed

    def permitted(self) -> set[tuple[str, str]]:
        """The (repository, revision) pairs of every Application in scope that its
        project permits, read from a fresh listing (a page at a time; only the pairs
        are kept)."""
        scope = self.scope()
        projects = self.env.projects(scope.control)
        found: set[tuple[str, str]] = set()
        for app in self.applications():
            namespace = key_of(app)[0]
            wanted = wanted_sources(app)
            try:
                project = find_project(wanted.project, projects)
            except GitopsdError:
                continue
            if not scope.includes(namespace) or source_namespace_violation(
                namespace, scope, project
            ):
                continue
            found.update(s for s in wanted.sources if not check_source(project, s[0]))
        return found
