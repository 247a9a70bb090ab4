"""Resolving every targetRevision form to a commit SHA, and reading commits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitopsd.errors import RevisionNotFound
from gitopsd.source import GitRepositories
from tests.support.gitserver import bare_repo
from tests.unit.source.conftest import History


@pytest.mark.parametrize(
    ("revision", "expected"),
    [
        ("HEAD", "fourth"),
        ("", "fourth"),
        ("main", "fourth"),
        ("feature", "third"),
        ("v1.0", "first"),  # lightweight tag
        ("v2.0", "second"),  # annotated tag, peeled to its commit
        ("refs/heads/feature", "third"),
        ("refs/tags/v2.0", "second"),
        ("refs/pull/7/head", "third"),
    ],
)
def test_symbolic_revisions_resolve_to_commits(
    history: History, repos: GitRepositories, revision: str, expected: str
) -> None:
    sha = repos.resolve(history.repo.url, revision)
    assert sha == getattr(history, expected)


def test_full_sha_of_an_older_commit_is_fetched(history: History, repos: GitRepositories) -> None:
    assert repos.resolve(history.repo.url, history.first) == history.first
    assert repos.resolve(history.repo.url, history.first.upper()) == history.first


def test_short_sha_resolves_after_fetching_history(
    history: History, repos: GitRepositories
) -> None:
    repos.resolve(history.repo.url, "main")  # a shallow clone first
    assert repos.resolve(history.repo.url, history.second[:8]) == history.second


@pytest.mark.parametrize("revision", ["no-such-branch", "deadbeef", "0" * 40, "-upload-pack=x"])
def test_unknown_revision_is_revision_not_found(
    history: History, repos: GitRepositories, revision: str
) -> None:
    with pytest.raises(RevisionNotFound) as raised:
        repos.resolve(history.repo.url, revision)
    assert str(raised.value).startswith(history.repo.url)


def test_remote_revision_reads_refs_without_fetching(
    history: History, repos: GitRepositories
) -> None:
    assert repos.remote_revision(history.repo.url, "main") == history.fourth
    assert repos.remote_revision(history.repo.url, "v2.0") == history.second
    assert repos.remote_revision(history.repo.url, history.first) is None
    assert not (repos.cache_dir / "repos").exists()
    with pytest.raises(RevisionNotFound):
        repos.remote_revision(history.repo.url, "gone")


def test_ls_remote_lists_refs_and_peeled_tags(history: History, repos: GitRepositories) -> None:
    refs = repos.ls_remote(history.repo.url)
    assert refs["HEAD"] == refs["refs/heads/main"] == history.fourth
    assert refs["refs/tags/v2.0^{}"] == history.second
    assert refs["refs/pull/7/head"] == history.third


def test_a_moved_branch_resolves_to_its_new_commit(tmp_path: Path, repos: GitRepositories) -> None:
    repo = bare_repo(tmp_path)
    first = repo.commit({"a.yaml": "a: 1\n"}, "first")
    assert repos.resolve(repo.url, "main") == first
    second = repo.commit({"a.yaml": "a: 2\n"}, "second")
    assert repos.resolve(repo.url, "main") == second
    assert repos.changed_paths(repo.url, first, second) == {"a.yaml"}


def test_commit_info_has_author_date_and_message(history: History, repos: GitRepositories) -> None:
    info = repos.commit_info(history.repo.url, repos.resolve(history.repo.url, "v2.0"))
    assert info.sha == history.second
    assert (info.author, info.email) == ("Ada Lovelace", "ada@example.com")
    assert info.message == "second\n\nwith a body\n"
    assert info.date == datetime.fromtimestamp(1_700_000_120, UTC)


def test_changed_paths_between_commits(history: History, repos: GitRepositories) -> None:
    url = history.repo.url
    assert repos.changed_paths(url, history.first, history.fourth) == {
        "apps/web/deploy.yaml",
        "apps/db/db.yaml",
    }
    assert repos.changed_paths(url, history.second, history.third) == {"apps/web/feature.yaml"}
    assert repos.changed_paths(url, history.fourth, history.fourth) == frozenset()


def test_list_files_and_directories_by_glob(history: History, repos: GitRepositories) -> None:
    url = history.repo.url
    assert repos.list_files(url, history.third, "apps/*/*.yaml") == [
        "apps/db/db.yaml",
        "apps/web/deploy.yaml",
        "apps/web/feature.yaml",
    ]
    assert repos.list_files(url, history.third, "**/feature.yaml") == ["apps/web/feature.yaml"]
    assert repos.list_directories(url, history.third, "apps/*") == ["apps/db", "apps/web"]


def test_refs_can_be_shared_for_a_while_and_forgotten(tmp_path: Path) -> None:
    repo = bare_repo(tmp_path)
    first = repo.commit({"a.yaml": "a: 1\n"}, "first")
    now = [0.0]
    repos = GitRepositories(tmp_path / "cache", refs_max_age_seconds=30, clock=lambda: now[0])
    assert repos.resolve(repo.url, "main") == first
    second = repo.commit({"a.yaml": "a: 2\n"}, "second")
    now[0] = 29.0
    assert repos.resolve(repo.url, "main") == first  # remembered answer
    now[0] = 31.0
    assert repos.resolve(repo.url, "main") == second  # expired
    third = repo.commit({"a.yaml": "a: 3\n"}, "third")
    repos.forget_refs(repo.url)
    assert repos.resolve(repo.url, "main") == third
