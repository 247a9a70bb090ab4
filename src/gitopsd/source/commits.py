"""Commit metadata (author, date, message) for history, audit and status.

Read with GitPython from a local clone; called by
:meth:`gitopsd.source.repositories.GitRepositories.commit_info` after the commit has been
fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import git

from gitopsd.errors import RevisionNotFound
from gitopsd.source.urls import redact_url


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author: str
    email: str
    date: datetime  # the author date, timezone-aware
    message: str


def read_commit(git_dir: Path, repo_url: str, sha: str) -> CommitInfo:
    """Metadata of commit ``sha`` in the clone at ``git_dir``."""
    try:
        with git.Repo(git_dir) as repo:
            commit = repo.commit(sha)
            return CommitInfo(
                sha=commit.hexsha,
                author=str(commit.author.name or ""),
                email=str(commit.author.email or ""),
                date=datetime.fromtimestamp(
                    commit.authored_date, tz=timezone(timedelta(seconds=-commit.author_tz_offset))
                ),
                message=commit.message if isinstance(commit.message, str) else "",
            )
    except (ValueError, git.BadName, git.GitCommandError) as error:
        raise RevisionNotFound(f"{redact_url(repo_url)}: commit {sha} not found") from error
