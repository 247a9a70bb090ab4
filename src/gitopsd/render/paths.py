"""Keeping every path a render reads inside the repository.

``path``, Helm value files, kustomize resources and every symlink under them must resolve
inside the repository root; anything else is a PathEscape naming the offending path
(absolute paths, ``..`` past the root, symlinks pointing out). The walks also report which
repository directories a render depends on beyond its own path (symlink targets), for the
render cache. Called by the renderers in this package.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gitopsd.errors import PathEscape


@dataclass(frozen=True)
class RepoPath:
    """A path inside a repository: its real location and its repository-relative name."""

    real: Path
    relative: str  # POSIX, "." for the root


def repo_relative(root: Path, real: Path) -> str:
    relative = real.relative_to(root).as_posix()
    return relative or "."


def resolve_inside(root: Path, relative: str, subject: str, what: str = "path") -> RepoPath:
    """``root/relative`` with symlinks resolved; PathEscape unless it stays inside ``root``."""
    real_root = root.resolve()
    text = relative.strip() or "."
    if PurePosixPath(text).is_absolute():
        raise PathEscape(f"{subject}: {what} {relative!r} is absolute; paths are repo-relative")
    real = (real_root / text).resolve()
    if not real.is_relative_to(real_root):
        raise PathEscape(f"{subject}: {what} {relative!r} resolves outside the repository")
    return RepoPath(real=real, relative=repo_relative(real_root, real))


def resolve_from(root: Path, base: Path, relative: str, subject: str, what: str) -> RepoPath:
    """``relative`` taken from directory ``base`` (itself inside ``root``), kept inside."""
    real_root = root.resolve()
    if PurePosixPath(relative).is_absolute():
        raise PathEscape(f"{subject}: {what} {relative!r} is absolute; paths are repo-relative")
    real = (base.resolve() / relative).resolve()
    if not real.is_relative_to(real_root):
        where = repo_relative(real_root, base.resolve())
        raise PathEscape(
            f"{subject}: {what} {relative!r} (from {where}) resolves outside the repository"
        )
    return RepoPath(real=real, relative=repo_relative(real_root, real))


def check_symlinks(root: Path, directories: Iterable[Path], subject: str) -> frozenset[str]:
    """Walk ``directories`` (following in-repo symlinked directories once each).

    Raises PathEscape for the first symlink whose target leaves ``root``. Returns the
    repository-relative targets of symlinks that point outside the walked directories,
    which a render therefore depends on.
    """
    real_root = root.resolve()
    pending = [d.resolve() for d in directories]
    walked: set[Path] = set()
    targets: set[Path] = set()
    while pending:
        start = pending.pop()
        if start in walked or not start.is_dir():
            continue
        walked.add(start)
        for link in _symlinks_under(start):
            target = link.resolve()
            if not target.is_relative_to(real_root):
                shown = repo_relative(real_root, link.parent.resolve() / link.name)
                raise PathEscape(f"{subject}: symlink {shown} points outside the repository")
            targets.add(target)
            if target.is_dir():
                pending.append(target)
    outside = {t for t in targets if not any(t.is_relative_to(w) for w in walked)}
    return frozenset(repo_relative(real_root, t) for t in outside)


def _symlinks_under(directory: Path) -> list[Path]:
    links: list[Path] = []
    for current, dirnames, filenames in os.walk(directory):
        for name in [*dirnames, *filenames]:
            path = Path(current, name)
            if path.is_symlink():
                links.append(path)
    return links


def is_under(path: str, directory: str) -> bool:
    """Whether repository-relative ``path`` is ``directory`` or inside it ("." is the root)."""
    if directory in ("", "."):
        return True
    return path == directory or path.startswith(directory.rstrip("/") + "/")
