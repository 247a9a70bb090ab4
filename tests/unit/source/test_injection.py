"""No repository URL or revision is ever read by git as an option or a command, and git's
errors never show the controller's cache.

Every git command line is recorded: a user value (URL, revision) only ever follows
``--end-of-options``. Hostile URLs and revisions are refused before git runs at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gitopsd.errors import RevisionNotFound, SourceError
from gitopsd.source import GitRepositories
from gitopsd.source import checkouts as checkouts_module
from gitopsd.source import repositories as repositories_module
from gitopsd.source.gitcmd import GitCall, classify_failure, hide_private_paths, run_git
from tests.unit.source.conftest import History

Recorded = list[list[str]]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorded]:
    """The argument list of every git command the repositories run."""
    calls: Recorded = []

    def recording(call: GitCall, **kwargs: object) -> str:
        calls.append(list(call.args))
        return run_git(call, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(repositories_module, "run_git", recording)
    monkeypatch.setattr(checkouts_module, "run_git", recording)
    yield calls


def _after_end_of_options(args: list[str], value: str) -> bool:
    return "--end-of-options" in args and args.index(value) > args.index("--end-of-options")


def test_urls_and_revisions_follow_end_of_options_in_every_command(
    history: History, repos: GitRepositories, recorded: Recorded
) -> None:
    url = history.repo.url
    sha = repos.resolve(url, "main")
    repos.resolve(url, history.second[:8])  # a short SHA goes through rev-parse
    repos.checkout(url, sha)
    repos.changed_paths(url, history.first, sha)
    repos.list_files(url, sha, "apps/**")
    repos.remote_revision(url, "v1.0")
    assert recorded
    for args in recorded:
        for value in [url, sha, history.first, f"{history.second[:8]}^{{commit}}"]:
            if value in args:
                assert _after_end_of_options(args, value), args


MARKER_COMMANDS = ["--upload-pack=touch {marker}", "ext::sh -c touch% {marker}", "-c x=y"]


@pytest.mark.parametrize("url", MARKER_COMMANDS)
@pytest.mark.parametrize("revision", ["main", "a" * 40])
def test_a_hostile_url_is_refused_before_git_runs(
    repos: GitRepositories, recorded: Recorded, tmp_path: Path, url: str, revision: str
) -> None:
    marker = tmp_path / "marker"
    with pytest.raises(SourceError, match="repository URL"):
        repos.resolve(url.format(marker=marker), revision)
    assert recorded == []
    assert not marker.exists()


@pytest.mark.parametrize("revision", ["--upload-pack=touch /tmp/x", "-x", "a b", "a..b"])
def test_a_hostile_revision_is_refused_before_git_runs(
    history: History, repos: GitRepositories, recorded: Recorded, revision: str
) -> None:
    with pytest.raises(RevisionNotFound, match="invalid revision"):
        repos.resolve(history.repo.url, revision)
    assert recorded == []


def test_a_file_url_into_the_cache_is_refused(
    history: History, repos: GitRepositories, tmp_path: Path
) -> None:
    repos.resolve(history.repo.url, "main")  # now a clone of it sits in the cache
    [clone] = (repos.cache_dir / "repos").iterdir()
    with pytest.raises(SourceError, match="points into the controller's cache"):
        repos.resolve(clone.as_uri(), "main")
    with pytest.raises(SourceError, match="points into the controller's cache"):
        repos.ls_remote(f"file://{repos.cache_dir}/repos/../repos/{clone.name}")


def test_git_errors_do_not_show_cache_or_temporary_paths(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    call = GitCall(["fetch"], "https://tok@git.example.com/r.git", cache / "repos" / "r.git",
                   private_paths=(str(cache),))  # fmt: skip
    stderr = (
        f"fatal: '{cache}/repos/r.git' is not a repository\n"
        f"error: cannot run {cache}/bin/askpass.sh: No such file\n"
        "fatal: could not open '/tmp/tmpab12/key' for reading"
    )
    message = str(classify_failure(call, stderr))
    assert str(cache) not in message and "/tmp/" not in message and "tok@" not in message
    assert message.count("<cache>") == 3
    assert message.startswith("https://git.example.com/r.git: ")


def test_path_hiding_leaves_other_paths_and_urls_alone(tmp_path: Path) -> None:
    text = "see /srv/repos/x.git and file:///tmp/x and /tmpfoo and /cache2/x"
    assert hide_private_paths(text, ["/cache"]) == text.replace(
        "/srv/repos/x.git", "/srv/repos/x.git"
    )


def test_a_missing_repository_is_reported_by_its_url_not_by_the_cache(
    repos: GitRepositories, tmp_path: Path
) -> None:
    url = (tmp_path / "nowhere.git").as_uri()
    with pytest.raises(SourceError) as raised:
        repos.resolve(url, "main")
    message = str(raised.value)
    assert message.startswith(url)
    assert str(repos.cache_dir) not in message
