"""Implementations of :class:`gitopsd.appset.ports.RepoFiles` over files on disk.

``LocalRepoFiles`` reads a working directory (the offline ``gitopsd appset generate`` and
the tests); ``CheckoutRepoFiles`` wraps any ``resolve`` + ``checkout`` pair, which is how
the operator plugs in ``gitopsd.source``'s Git cache. Both list directories the way Argo CD's
repo server does: every directory below the root except hidden ones (``.git`` included).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

from gitopsd.errors import PathEscape, RepositoryUnreachable, SourceError
from gitopsd.model.globs import path_match

LOCAL_REVISION = "worktree"


class TreeFiles:
    """Listing and reading under one directory; paths returned are repo-relative, sorted."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def list_dirs(self, pattern: str) -> list[str]:
        return sorted(d for d in self._walk(dirs=True) if path_match(pattern, d))

    def list_files(self, pattern: str) -> list[str]:
        return sorted(f for f in self._walk(dirs=False) if path_match(pattern, f))

    def read_file(self, path: str) -> bytes:
        root = self.root.resolve()
        target = (root / path).resolve()
        if target != root and root not in target.parents:
            raise PathEscape(f"{path}: resolves outside the repository")
        try:
            return target.read_bytes()
        except OSError as error:
            raise SourceError(f"{path}: cannot read: {error.strerror}") from error

    def _walk(self, *, dirs: bool) -> list[str]:
        if not self.root.is_dir():
            raise RepositoryUnreachable(f"{self.root}: no such directory")
        found: list[str] = []
        for current, subdirs, files in os.walk(self.root):
            # Hidden directories (.git, .github) are never applications; symlinked
            # directories are not followed (os.walk's default).
            subdirs[:] = [d for d in subdirs if not d.startswith(".")]
            relative = Path(current).relative_to(self.root)
            names = subdirs if dirs else files
            found.extend((relative / name).as_posix() for name in names)
        return found


def local_path_of(repo_url: str) -> Path | None:
    """The directory a ``file://`` URL or an absolute local path names, or None."""
    if repo_url.startswith("file://"):
        return Path(unquote(urlparse(repo_url).path))
    if repo_url.startswith("/"):
        return Path(repo_url)
    return None


class LocalRepoFiles:
    """A checkout on disk; the revision is ignored.

    ``root`` serves every remote URL. A ``file://`` URL or an absolute path in ``repoURL``
    is read from that directory instead, so local repositories preview as they are.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = root

    def resolve(self, repo_url: str, revision: str) -> str:
        self._tree(repo_url)  # fail early when there is nothing to read
        return LOCAL_REVISION

    def list_dirs(self, repo_url: str, sha: str, pattern: str) -> list[str]:
        return self._tree(repo_url).list_dirs(pattern)

    def list_files(self, repo_url: str, sha: str, pattern: str) -> list[str]:
        return self._tree(repo_url).list_files(pattern)

    def read_file(self, repo_url: str, sha: str, path: str) -> bytes:
        return self._tree(repo_url).read_file(path)

    def _tree(self, repo_url: str) -> TreeFiles:
        root = local_path_of(repo_url) or self.root
        if root is None:
            raise RepositoryUnreachable(f"{repo_url}: no local checkout given (--repo-root)")
        if not root.is_dir():
            raise RepositoryUnreachable(f"{repo_url}: {root} is not a directory")
        return TreeFiles(root)


class CheckoutRepoFiles:
    """RepoFiles over a function that checks a commit out to a directory.

    ``resolve(repo_url, revision) -> sha`` and ``checkout(repo_url, sha) -> Path`` are
    expected to raise ``SourceError``s themselves (``gitopsd.source.GitRepositories`` does).
    """

    def __init__(
        self,
        resolve: Callable[[str, str], str],
        checkout: Callable[[str, str], Path],
    ) -> None:
        self._resolve = resolve
        self._checkout = checkout

    def resolve(self, repo_url: str, revision: str) -> str:
        return self._resolve(repo_url, revision)

    def list_dirs(self, repo_url: str, sha: str, pattern: str) -> list[str]:
        return TreeFiles(self._checkout(repo_url, sha)).list_dirs(pattern)

    def list_files(self, repo_url: str, sha: str, pattern: str) -> list[str]:
        return TreeFiles(self._checkout(repo_url, sha)).list_files(pattern)

    def read_file(self, repo_url: str, sha: str, path: str) -> bytes:
        return TreeFiles(self._checkout(repo_url, sha)).read_file(path)
