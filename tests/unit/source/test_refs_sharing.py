"""Many workers asking for one repository's refs at once share one ``ls-remote``.

At 1000 applications of one repository, the shared answer expires while eight workers
reconcile apps of it; each used to start its own git (and git-remote-http) process. The
remote is a real bare repository; the network call is slowed so the callers overlap.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from gitopsd.source import GitRepositories
from tests.support.gitserver import bare_repo

WORKERS = 8


class CountingRepositories(GitRepositories):
    """Counts ``ls-remote`` calls that reach git, each slowed so that callers overlap."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.ls_remotes = 0
        self.during_call: list[object] = []  # run inside the next call, then dropped

    def _network(self, repo_url: str, args: list[str], git_dir: Path | None = None) -> str:
        if args[0] == "ls-remote":
            self.ls_remotes += 1
            time.sleep(0.2)
            while self.during_call:
                callback = self.during_call.pop()
                assert callable(callback)
                callback()
        return super()._network(repo_url, args, git_dir)


def _resolve_together(repos: GitRepositories, url: str) -> list[str]:
    results: list[str] = []
    start = threading.Barrier(WORKERS)

    def worker() -> None:
        start.wait()
        results.append(repos.resolve(url, "main"))

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_callers_at_expiry_share_one_ls_remote(tmp_path: Path) -> None:
    repo = bare_repo(tmp_path)
    first = repo.commit({"a.yaml": "a: 1\n"}, "first")
    now = [0.0]
    repos = CountingRepositories(tmp_path / "cache", refs_max_age_seconds=5, clock=lambda: now[0])
    assert _resolve_together(repos, repo.url) == [first] * WORKERS
    assert repos.ls_remotes == 1

    second = repo.commit({"a.yaml": "a: 2\n"}, "second")
    now[0] = 6.0  # the shared answer expired
    assert _resolve_together(repos, repo.url) == [second] * WORKERS
    assert repos.ls_remotes == 2


def test_without_sharing_every_caller_asks(tmp_path: Path) -> None:
    repo = bare_repo(tmp_path)
    repo.commit({"a.yaml": "a: 1\n"}, "first")
    repos = CountingRepositories(tmp_path / "cache", refs_max_age_seconds=0)
    _resolve_together(repos, repo.url)
    assert repos.ls_remotes == WORKERS


def test_an_answer_forgotten_while_in_flight_is_not_shared(tmp_path: Path) -> None:
    """A push webhook forgets the refs while an ls-remote runs: that answer may predate the
    push, so the next caller asks the remote again and sees the pushed commit."""
    repo = bare_repo(tmp_path)
    repo.commit({"a.yaml": "a: 1\n"}, "first")
    repos = CountingRepositories(tmp_path / "cache", refs_max_age_seconds=60)
    pushed: list[str] = []

    def push_during_the_call() -> None:
        pushed.append(repo.commit({"a.yaml": "a: 2\n"}, "second"))
        repos.forget_refs(repo.url)

    repos.during_call.append(push_during_the_call)
    repos.resolve(repo.url, "main")  # its answer raced with the push
    assert repos.resolve(repo.url, "main") == pushed[0]
    assert repos.ls_remotes == 2


def test_forgetting_every_repository_also_drops_an_answer_in_flight(tmp_path: Path) -> None:
    repo = bare_repo(tmp_path)
    repo.commit({"a.yaml": "a: 1\n"}, "first")
    repos = CountingRepositories(tmp_path / "cache", refs_max_age_seconds=60)
    repos.during_call.append(repos.forget_refs)
    repos.resolve(repo.url, "main")
    repos.resolve(repo.url, "main")
    assert repos.ls_remotes == 2
