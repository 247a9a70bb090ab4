"""Reading repositories: a local directory, and a real Git repository through a checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitopsd.appset import CheckoutRepoFiles, LocalRepoFiles
from gitopsd.errors import PathEscape, RepositoryUnreachable, SourceError

URL = "https://git.example.com/deploy.git"


def _tree(root: Path) -> Path:
    for relative in ("apps/web/overlays/prod", "apps/api/overlays/prod", ".github/workflows"):
        (root / relative).mkdir(parents=True)
        (root / relative / "kustomization.yaml").write_text("resources: []\n")
    (root / "apps/web/config.json").write_text('{"a": 1}')
    return root


def test_local_files_list_directories_and_skip_hidden_ones(tmp_path: Path) -> None:
    repos = LocalRepoFiles(_tree(tmp_path))
    sha = repos.resolve(URL, "main")
    assert repos.list_dirs(URL, sha, "*/*/overlays/prod") == [
        "apps/api/overlays/prod",
        "apps/web/overlays/prod",
    ]
    assert repos.list_dirs(URL, sha, ".github/*") == []
    assert repos.list_files(URL, sha, "apps/**/*.json") == ["apps/web/config.json"]
    assert repos.read_file(URL, sha, "apps/web/config.json") == b'{"a": 1}'


def test_local_files_refuse_paths_outside_the_root(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("outside")
    repos = LocalRepoFiles(_tree(tmp_path / "repo"))
    with pytest.raises(PathEscape, match="resolves outside the repository"):
        repos.read_file(URL, "x", "../secret.txt")
    with pytest.raises(SourceError, match=r"nope\.json: cannot read"):
        repos.read_file(URL, "x", "nope.json")


def test_a_file_url_is_read_from_that_directory(tmp_path: Path) -> None:
    other = _tree(tmp_path / "other")
    repos = LocalRepoFiles(None)
    assert repos.list_dirs(f"file://{other}", "", "apps/*") == ["apps/api", "apps/web"]
    assert repos.list_dirs(str(other), "", "apps/*") == ["apps/api", "apps/web"]
    with pytest.raises(RepositoryUnreachable, match="no local checkout given"):
        repos.resolve(URL, "HEAD")
    with pytest.raises(RepositoryUnreachable, match="is not a directory"):
        repos.resolve(f"file://{tmp_path}/missing", "HEAD")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_checkout_files_read_the_commit_a_revision_resolves_to(tmp_path: Path) -> None:
    repo = _tree(tmp_path / "repo")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "one")
    first = _git(repo, "rev-parse", "HEAD")
    (repo / "apps/db/overlays/prod").mkdir(parents=True)
    (repo / "apps/db/overlays/prod/kustomization.yaml").write_text("resources: []\n")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "two")

    def resolve(url: str, revision: str) -> str:
        return _git(repo, "rev-parse", revision)

    def checkout(url: str, sha: str) -> Path:
        target = tmp_path / "checkouts" / sha
        if not target.exists():
            target.mkdir(parents=True)
            archive = subprocess.run(
                ["git", "-C", str(repo), "archive", sha], capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
        return target

    repos = CheckoutRepoFiles(resolve, checkout)
    assert repos.resolve(URL, "main~1") == first
    assert repos.list_dirs(URL, first, "apps/*/overlays/prod") == [
        "apps/api/overlays/prod",
        "apps/web/overlays/prod",
    ]
    head = repos.resolve(URL, "main")
    assert repos.list_dirs(URL, head, "apps/*/overlays/prod")[0] == "apps/api/overlays/prod"
    assert "apps/db/overlays/prod" in repos.list_dirs(URL, head, "apps/*/overlays/prod")
    assert repos.read_file(URL, head, "apps/web/config.json") == b'{"a": 1}'
