"""A small repository with history, shared by the Git source tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from gitopsd.source import GitRepositories
from tests.support.gitserver import BareRepo, bare_repo


@dataclass
class History:
    """main: first -> second -> fourth; feature: second -> third; tags and a PR ref."""

    repo: BareRepo
    first: str
    second: str
    third: str
    fourth: str


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    """Shared by a module's tests, which must not change it (build your own to do that)."""
    repo = bare_repo(tmp_path_factory.mktemp("history"))
    first = repo.commit(
        {"apps/web/deploy.yaml": "image: web:1\n", "apps/db/db.yaml": "image: db:1\n"}, "first"
    )
    second = repo.commit({"apps/web/deploy.yaml": "image: web:2\n"}, "second\n\nwith a body")
    third = repo.commit({"apps/web/feature.yaml": "flag: on\n"}, "third", branch="feature")
    fourth = repo.commit({"apps/db/db.yaml": "image: db:2\n"}, "fourth", branch="main")
    repo.tag("v1.0", first)
    repo.tag("v2.0", second, annotated=True)
    repo.ref("refs/pull/7/head", third)
    return History(repo, first, second, third, fourth)


@pytest.fixture
def repos(tmp_path: Path) -> GitRepositories:
    return GitRepositories(tmp_path / "cache", timeout_seconds=30)
