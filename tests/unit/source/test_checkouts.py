"""Read-only checkouts per commit, isolated from each other and safe under threads."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gitopsd.errors import RevisionNotFound
from gitopsd.source import GitRepositories
from tests.support.gitserver import bare_repo
from tests.unit.source.conftest import History


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _writable(path: Path) -> bool:
    return bool(path.lstat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def test_checkout_is_the_commit_tree_and_read_only(
    history: History, repos: GitRepositories
) -> None:
    tree = repos.checkout(history.repo.url, history.first)
    assert tree == repos.cache_dir / "checkouts" / history.first
    assert _files(tree) == {
        "apps/db/db.yaml": "image: db:1\n",
        "apps/web/deploy.yaml": "image: web:1\n",
    }
    assert not any(_writable(p) for p in [tree, *tree.rglob("*")])


def test_two_revisions_never_see_each_others_files(
    history: History, repos: GitRepositories
) -> None:
    old = repos.checkout(history.repo.url, history.first)
    new = repos.checkout(history.repo.url, history.third)
    assert old != new
    assert (new / "apps/web/feature.yaml").exists()
    assert not (old / "apps/web/feature.yaml").exists()
    assert (old / "apps/web/deploy.yaml").read_text() == "image: web:1\n"
    assert (new / "apps/web/deploy.yaml").read_text() == "image: web:2\n"


def test_second_checkout_reuses_the_tree(history: History, repos: GitRepositories) -> None:
    first = repos.checkout(history.repo.url, history.second)
    marker = first.stat().st_ino
    assert repos.checkout(history.repo.url, history.second).stat().st_ino == marker


def test_checkout_needs_a_full_sha(history: History, repos: GitRepositories) -> None:
    with pytest.raises(RevisionNotFound, match="not a full commit SHA"):
        repos.checkout(history.repo.url, history.first[:10])


def test_symlinks_are_checked_out_as_symlinks(tmp_path: Path, repos: GitRepositories) -> None:
    repo = bare_repo(tmp_path)
    sha = repo.commit({"base/a.yaml": "a: 1\n"}, symlinks={"app/a.yaml": "../base/a.yaml"})
    tree = repos.checkout(repo.url, sha)
    assert (tree / "app/a.yaml").is_symlink()
    assert (tree / "app/a.yaml").read_text() == "a: 1\n"


def test_concurrent_resolves_and_checkouts_agree(history: History, repos: GitRepositories) -> None:
    revisions = ["main", "feature", "v1.0", "v2.0"] * 4

    def work(revision: str) -> tuple[str, dict[str, str]]:
        sha = repos.resolve(history.repo.url, revision)
        return sha, _files(repos.checkout(history.repo.url, sha))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, revisions))
    by_revision: dict[str, set[str]] = {}
    for revision, (sha, files) in zip(revisions, results, strict=True):
        by_revision.setdefault(revision, set()).add(sha)
        assert files == _files(repos.cache_dir / "checkouts" / sha)
    assert by_revision == {
        "main": {history.fourth},
        "feature": {history.third},
        "v1.0": {history.first},
        "v2.0": {history.second},
    }
    assert not [p for p in (repos.cache_dir / "checkouts").iterdir() if p.name.startswith(".")]
