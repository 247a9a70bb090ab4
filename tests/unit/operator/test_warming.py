"""Git warming for takeovers: every replica fetches and checks out the repositories of all
Applications in its scope, but only what their projects permit, and forgets deleted
Applications."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitopsd.errors import SourceError
from gitopsd.operator.warming import RepoWarmer
from gitopsd.project import ApplicationNamespaces, Project, parse_project

SCOPE = ApplicationNamespaces("gitopsd", ("team-a",))


class FakeRepos:
    def __init__(self) -> None:
        self.checked_out: list[tuple[str, str]] = []

    def resolve(self, url: str, revision: str) -> str:
        if "broken" in url:
            raise SourceError(f"{url}: unreachable")
        return f"sha-of-{revision}"

    def checkout(self, url: str, sha: str) -> None:
        self.checked_out.append((url, sha))


class FakeEnv:
    def projects(self, namespace: str) -> Mapping[str, Project]:
        assert namespace == "gitopsd"
        team = {
            "metadata": {"name": "team", "namespace": "gitopsd"},
            "spec": {
                "sourceRepos": ["https://git.example.com/team/*"],
                "sourceNamespaces": ["team-a"],
                "destinations": [{"server": "*", "namespace": "*"}],
            },
        }
        return {"team": parse_project(team)}


def app(namespace: str, name: str, project: str, *sources: tuple[str, str]) -> dict[str, Any]:
    spec: dict[str, Any] = {"project": project}
    spec["sources"] = [{"repoURL": url, "targetRevision": rev} for url, rev in sources]
    return {"metadata": {"namespace": namespace, "name": name}, "spec": spec}


def warmer(*apps: dict[str, Any]) -> tuple[RepoWarmer, FakeRepos]:
    repos = FakeRepos()
    listing = list(apps)
    w = RepoWarmer(repos, FakeEnv(), lambda: SCOPE, lambda: iter(listing), interval_seconds=60.0)  # type: ignore[arg-type]
    return w, repos


def test_every_permitted_repository_is_fetched_and_checked_out_once() -> None:
    w, repos = warmer(
        app("gitopsd", "a", "default", ("https://git.example.com/x.git", "main")),
        app("gitopsd", "b", "default", ("https://git.example.com/x.git", "main")),
        app("team-a", "c", "team", ("https://git.example.com/team/y.git", "v1")),
    )
    assert w.warm() == 2
    assert sorted(repos.checked_out) == [
        ("https://git.example.com/team/y.git", "sha-of-v1"),
        ("https://git.example.com/x.git", "sha-of-main"),
    ]


def test_what_the_project_or_the_scope_refuses_is_never_fetched() -> None:
    w, repos = warmer(
        # Outside the team project's sourceRepos.
        app("team-a", "a", "team", ("https://evil.example.com/z.git", "main")),
        # The default project admits only the control-plane namespace.
        app("team-a", "b", "default", ("https://git.example.com/x.git", "main")),
        # A namespace the controller does not serve, and a project that does not exist.
        app("team-b", "c", "team", ("https://git.example.com/team/y.git", "v1")),
        app("gitopsd", "d", "missing", ("https://git.example.com/x.git", "main")),
    )
    assert w.warm() == 0
    assert repos.checked_out == []


def test_unreachable_repositories_are_skipped_and_each_round_lists_afresh() -> None:
    repos = FakeRepos()
    listing = [
        app("gitopsd", "a", "default", ("https://git.example.com/broken.git", "main")),
        app("gitopsd", "b", "default", ("https://git.example.com/x.git", "main")),
    ]
    w = RepoWarmer(repos, FakeEnv(), lambda: SCOPE, lambda: iter(listing), interval_seconds=60.0)  # type: ignore[arg-type]
    assert w.warm() == 1
    listing.pop()  # b deleted: the next round no longer fetches its repository
    repos.checked_out.clear()
    assert w.warm() == 0
    assert repos.checked_out == []
