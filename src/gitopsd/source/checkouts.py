"""Read-only working trees, one per commit SHA, under ``<cache>/checkouts/<sha>``.

A tree is written with ``git read-tree`` into a private index file and ``git
checkout-index`` into a temporary directory, made read-only, then renamed into place, so
concurrent callers (threads or processes) never see a half-written tree and never share
the clone's index. Symlinks are written as symlinks; whether they stay inside the
repository is checked by the renderer, which knows which paths it reads. Called by
:meth:`gitopsd.source.repositories.GitRepositories.checkout`.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from gitopsd.errors import SourceError
from gitopsd.source.gitcmd import GitCall, run_git
from gitopsd.source.urls import redact_url

_READ_ONLY_FILE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
_EXEC = stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH


def materialise(
    git_dir: Path,
    sha: str,
    target: Path,
    *,
    env: dict[str, str],
    timeout: float,
    repo_url: str,
    private_paths: tuple[str, ...] = (),
) -> Path:
    """Write the tree of ``sha`` to ``target`` (read-only) unless it already exists.

    SourceError (naming the commit, never the cache path) when the disk refuses.
    """
    if target.is_dir():
        return target
    try:
        git = GitCall((), repo_url, git_dir, env, timeout, private_paths=private_paths)
        return _materialise(git, sha, target)
    except OSError as error:
        raise SourceError(
            f"{redact_url(repo_url)}: cannot write the tree of commit {sha[:12]}: "
            f"{error.strerror or type(error).__name__}"
        ) from error


def _materialise(git: GitCall, sha: str, target: Path) -> Path:
    """``git`` names the clone and how to call git there; its arguments are set here."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".staging-{sha[:12]}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        with tempfile.TemporaryDirectory(prefix="index-", dir=staging.parent) as scratch:
            tree_env = dict(git.env or {}, GIT_INDEX_FILE=str(Path(scratch) / "index"))
            for args in (
                ["read-tree", "--end-of-options", sha],
                ["--work-tree", str(staging), "checkout-index", "--all", "--force"],
            ):
                run_git(replace(git, args=args, env=tree_env))
        make_read_only(staging)
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():  # lost a race only if the winner's tree is there
                raise
    finally:
        if staging.exists():
            remove_tree(staging)
    return target


def make_read_only(root: Path) -> None:
    """Drop write permission on every file and directory under ``root`` (not symlinks)."""
    for directory, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            path = Path(directory, name)
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            path.chmod(_READ_ONLY_FILE | (mode & _EXEC))
        for name in dirnames:
            path = Path(directory, name)
            if not path.is_symlink():
                path.chmod(_READ_ONLY_FILE | _EXEC)
    root.chmod(_READ_ONLY_FILE | _EXEC)


@contextmanager
def scratch_tree(prefix: str) -> Iterator[Path]:
    """A temporary directory for checkouts, removed afterwards (read-only trees too)."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield scratch
    finally:
        remove_tree(scratch)


def remove_tree(root: Path) -> None:
    """Delete a (possibly read-only) tree: give directories write permission back first."""
    for directory, dirnames, _ in os.walk(root):
        os.chmod(directory, stat.S_IRWXU)
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(directory, d))]
    shutil.rmtree(root)
