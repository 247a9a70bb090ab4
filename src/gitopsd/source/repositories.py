"""``GitRepositories``: one cached clone per repository, revisions to SHAs, checkouts.

The one object the rest of gitopsd uses to read Git. Clones are bare repositories under
``<cache>/repos/``, keyed by the normalised URL; checkouts are read-only trees under
``<cache>/checkouts/<sha>``. Polling uses ``ls-remote`` (no objects transferred);
objects are fetched only when a SHA is missing locally, shallow (depth 1) until something
needs history (a short SHA or a commit no ref points at), then in full.

Thread-safe: writes to one clone are serialised by a lock per repository, checkouts by a
lock per SHA. Remote refs are never stored under their own names (they live under
``refs/gitopsd/``) and the remote URL is never written to the clone's config, so
credentials in a URL stay out of the cache. Every URL is checked before git sees it
(:func:`gitopsd.model.tool_values.repo_url_problem`; a ``file://`` URL into the cache
itself is refused too, or one tenant could read another's fetched repository) and
follows ``--end-of-options``; revisions never reach git as typed (they are matched
against ``ls-remote`` in Python, short SHAs are hex). Called by the operator, the ApplicationSet
Git generators, ``gitopsd render`` and :class:`gitopsd.render.ManifestGenerator`.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from gitopsd.errors import RepositoryUnreachable, RevisionNotFound, SourceError
from gitopsd.model.globs import path_match
from gitopsd.model.tool_values import repo_url_problem, revision_problem
from gitopsd.source.answers import CommitAnswers
from gitopsd.source.auth import base_environment, credential_environment, install_askpass
from gitopsd.source.checkouts import materialise
from gitopsd.source.commits import CommitInfo, read_commit
from gitopsd.source.credentials import CredentialStore
from gitopsd.source.gitcmd import GitCall, run_git
from gitopsd.source.revisions import is_full_sha, is_short_sha, match_ref, parse_ls_remote
from gitopsd.source.urls import normalize_repo_url, redact_url

_LOCAL_PREFIX = "refs/gitopsd/"
_ALL_REFS = ("+refs/heads/*:refs/gitopsd/refs/heads/*", "+refs/tags/*:refs/gitopsd/refs/tags/*")
_COMMIT_CACHE_SIZE = 4096
# git's words for a redirect it did not follow (see gitopsd.source.auth).
_REDIRECTED = re.compile(r"returned error: 30[1278]\b")
_NO_REDIRECTS = (
    "redirects are not followed while credentials are attached; use the URL the server redirects to"
)


class GitRepositories:
    """Git access for gitopsd; see the module docstring."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        credentials: CredentialStore | None = None,
        timeout_seconds: float = 60.0,
        shallow: bool = True,
        refs_max_age_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        on_request: Callable[[str, str, float, bool], None] | None = None,
    ) -> None:
        """``on_request(repo_url, request_type, seconds, ok)`` is told about every network
        call (``ls-remote`` or ``fetch``), for metrics. ``refs_max_age_seconds`` > 0 lets
        many apps on one repository share one ``ls-remote`` answer for that long
        (:meth:`forget_refs` drops it, e.g. on a push webhook); 0 asks the remote every
        time. ``shallow`` fetches depth 1 until history is needed."""
        self._cache_dir = Path(cache_dir)
        self._credentials = credentials or CredentialStore()
        self._timeout = timeout_seconds
        self._shallow = shallow
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._commits: CommitAnswers[str, CommitInfo] = CommitAnswers(_COMMIT_CACHE_SIZE)
        self._diffs: CommitAnswers[str, frozenset[str]] = CommitAnswers(_COMMIT_CACHE_SIZE)
        self._present: set[tuple[Path, str]] = set()
        self._refs_max_age = refs_max_age_seconds
        self._clock = clock
        self._refs: dict[str, tuple[float, dict[str, str]]] = {}
        self._refs_epoch: dict[str, int] = {}  # bumped by forget_refs
        self._base_env = base_environment(install_askpass(self._cache_dir / "bin"))
        self._on_request = on_request
        self._private = tuple({str(self._cache_dir), str(self._cache_dir.resolve())})

    @property
    def cache_dir(self) -> Path:
        return self._cache_dir

    def set_credentials(self, credentials: CredentialStore) -> None:
        """Replace the credentials used from the next network operation on."""
        with self._guard:
            self._credentials = credentials

    # -- remote, no objects -------------------------------------------------------------

    def ls_remote(self, repo_url: str) -> dict[str, str]:
        """Every ref the remote advertises (``HEAD``, ``refs/...``, peeled ``^{}``) -> SHA."""
        self._check_url(repo_url)
        if self._refs_max_age <= 0:
            return parse_ls_remote(
                self._network(repo_url, ["ls-remote", "--end-of-options", repo_url])
            )
        key = normalize_repo_url(repo_url)
        cached = self._shared_refs(key)
        if cached is not None:
            return cached
        # One caller asks the remote; the others that arrive meanwhile wait for its answer
        # instead of each starting a git process of their own (at expiry, every worker
        # reconciling an app of this repository would).
        with self._lock(f"refs:{key}"):
            cached = self._shared_refs(key)
            if cached is not None:
                return cached
            with self._guard:
                epoch = (self._refs_epoch.get(key, 0), self._refs_epoch.get("", 0))
            asked_at = self._clock()
            refs = parse_ls_remote(
                self._network(repo_url, ["ls-remote", "--end-of-options", repo_url])
            )
            with self._guard:
                # Forgotten while we asked (a push webhook): this answer may predate the
                # push, so it is returned to us but not shared.
                if (self._refs_epoch.get(key, 0), self._refs_epoch.get("", 0)) == epoch:
                    self._refs[key] = (asked_at, refs)
        return dict(refs)

    def _shared_refs(self, key: str) -> dict[str, str] | None:
        with self._guard:
            cached = self._refs.get(key)
        if cached is not None and self._clock() - cached[0] < self._refs_max_age:
            return dict(cached[1])
        return None

    def forget_refs(self, repo_url: str | None = None) -> None:
        """Drop remembered ``ls-remote`` answers (of one repository, or all)."""
        # "" counts forgetting everything, so an answer in flight for any key is not kept.
        key = "" if repo_url is None else normalize_repo_url(repo_url)
        with self._guard:
            if repo_url is None:
                self._refs.clear()
            else:
                self._refs.pop(key, None)
            self._refs_epoch[key] = self._refs_epoch.get(key, 0) + 1

    def remote_revision(self, repo_url: str, revision: str) -> str | None:
        """The SHA ``revision`` (HEAD, branch, tag, ``refs/...``) points at on the remote.

        None when ``revision`` is not a ref but looks like a commit SHA (it cannot move).
        """
        match = match_ref(self.ls_remote(repo_url), revision)
        if match is not None:
            return match[1]
        if is_short_sha(revision) or is_full_sha(revision):
            return None
        raise RevisionNotFound(f"{redact_url(repo_url)}: revision {revision!r} not found")

    # -- local objects ------------------------------------------------------------------

    def resolve(self, repo_url: str, revision: str) -> str:
        """The full commit SHA of ``revision``, fetching the commit when it is not cached."""
        self._check_url(repo_url)
        wanted = revision.strip() or "HEAD"
        _check_revision(repo_url, wanted)
        if is_full_sha(wanted):
            self._ensure_commit(repo_url, wanted.lower())
            return wanted.lower()
        match = match_ref(self.ls_remote(repo_url), wanted)
        if match is not None:
            self._ensure_commit(repo_url, match[1], ref=match[0])
            return match[1]
        if is_short_sha(wanted):
            return self._resolve_short(repo_url, wanted.lower())
        raise RevisionNotFound(f"{redact_url(repo_url)}: revision {revision!r} not found")

    def checkout(self, repo_url: str, sha: str) -> Path:
        """A read-only tree of commit ``sha`` (a full SHA from :meth:`resolve`)."""
        commit = self._full_sha(repo_url, sha)
        git_dir = self._ensure_commit(repo_url, commit)
        target = self._cache_dir / "checkouts" / commit
        with self._lock(f"checkout:{commit}"):
            return materialise(
                git_dir,
                commit,
                target,
                env=self._base_env,
                timeout=self._timeout,
                repo_url=repo_url,
                private_paths=self._private,
            )

    def commit_info(self, repo_url: str, sha: str) -> CommitInfo:
        commit = self._full_sha(repo_url, sha)
        return self._commits.answer(
            commit, lambda: read_commit(self._ensure_commit(repo_url, commit), repo_url, commit)
        )

    def changed_paths(self, repo_url: str, old_sha: str, new_sha: str) -> frozenset[str]:
        """Repository-relative paths that differ between two commits (renames: both sides)."""
        old, new = self._full_sha(repo_url, old_sha), self._full_sha(repo_url, new_sha)
        if old == new:
            return frozenset()
        key = f"{old}..{new}"  # commits are immutable, so the answer is too
        return self._diffs.answer(key, lambda: self._diff_paths(repo_url, old, new))

    def _diff_paths(self, repo_url: str, old: str, new: str) -> frozenset[str]:
        self._ensure_commit(repo_url, old)
        git_dir = self._ensure_commit(repo_url, new)
        out = self._local(
            repo_url,
            git_dir,
            ["diff", "--name-only", "-z", "--no-renames", "--end-of-options", old, new],
        )
        return frozenset(p for p in out.split("\0") if p)

    def list_files(self, repo_url: str, sha: str, pattern: str) -> list[str]:
        """Files of commit ``sha`` whose path matches the glob ``pattern``, sorted.

        ``*`` and ``?`` stop at ``/``; ``**`` crosses directories; ``{a,b}`` alternates
        (:func:`gitopsd.model.globs.path_match`).
        """
        return sorted(p for p in self._tree(repo_url, sha, "blob") if path_match(pattern, p))

    def list_directories(self, repo_url: str, sha: str, pattern: str) -> list[str]:
        """Directories of commit ``sha`` whose path matches ``pattern``, sorted."""
        return sorted(p for p in self._tree(repo_url, sha, "tree") if path_match(pattern, p))

    # -- internals ----------------------------------------------------------------------

    def _tree(self, repo_url: str, sha: str, kind: str) -> list[str]:
        commit = self._full_sha(repo_url, sha)
        git_dir = self._ensure_commit(repo_url, commit)
        out = self._local(
            repo_url, git_dir, ["ls-tree", "-r", "-t", "-z", "--end-of-options", commit]
        )
        entries = (line.split("\t", 1) for line in out.split("\0") if "\t" in line)
        return [path for meta, path in entries if meta.split()[1] == kind]

    def _check_url(self, repo_url: str) -> None:
        """SourceError for a URL git could misread, or one that reads our own cache."""
        problem = repo_url_problem(repo_url)
        if problem is None and repo_url.strip().lower().startswith("file:"):
            path = Path(unquote(urlsplit(repo_url.strip()).path))
            if path.resolve().is_relative_to(self._cache_dir.resolve()):
                problem = "repository URL points into the controller's cache"
        if problem is not None:
            raise SourceError(f"{redact_url(repo_url)}: {problem}")

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _git_dir(self, repo_url: str) -> Path:
        normalised = normalize_repo_url(repo_url)
        digest = hashlib.sha256(normalised.encode()).hexdigest()[:16]
        slug = re.sub(r"[^a-zA-Z0-9._-]+", "-", normalised.rsplit("/", 1)[-1])[:40]
        return self._cache_dir / "repos" / f"{slug}-{digest}.git"

    def _clone(self, repo_url: str) -> Path:
        git_dir = self._git_dir(repo_url)
        if not (git_dir / "HEAD").exists():
            git_dir.parent.mkdir(parents=True, exist_ok=True)
            self._local(repo_url, None, ["init", "--quiet", "--bare", str(git_dir)])
        return git_dir

    def _has_commit(self, git_dir: Path, repo_url: str, sha: str) -> bool:
        # Objects are never removed from a clone (gc is off), so a commit seen once stays.
        with self._guard:
            if (git_dir, sha) in self._present:
                return True
        try:
            self._local(
                repo_url, git_dir, ["cat-file", "-e", "--end-of-options", f"{sha}^{{commit}}"]
            )
        except SourceError:
            return False
        with self._guard:
            self._present.add((git_dir, sha))
        return True

    def _ensure_commit(self, repo_url: str, sha: str, *, ref: str | None = None) -> Path:
        """Fetch until ``sha`` is in the clone: its ref, then the SHA itself, then all."""
        with self._lock(f"repo:{normalize_repo_url(repo_url)}"):
            git_dir = self._clone(repo_url)
            if self._has_commit(git_dir, repo_url, sha):
                return git_dir
            if ref is not None:
                self._fetch(repo_url, git_dir, [f"+{ref}:{_LOCAL_PREFIX}{ref}"])
            if not self._has_commit(git_dir, repo_url, sha):
                self._fetch_sha(repo_url, git_dir, sha)
            if not self._has_commit(git_dir, repo_url, sha):
                self._fetch(repo_url, git_dir, list(_ALL_REFS), full=True)
            if not self._has_commit(git_dir, repo_url, sha):
                raise RevisionNotFound(f"{redact_url(repo_url)}: commit {sha} not found")
            return git_dir

    def _fetch_sha(self, repo_url: str, git_dir: Path, sha: str) -> None:
        # Servers that allow wanting any reachable SHA (protocol v2 mostly) answer this in
        # one round; others refuse it and the caller falls back to fetching every ref.
        with contextlib.suppress(RevisionNotFound):
            self._fetch(repo_url, git_dir, [f"+{sha}:{_LOCAL_PREFIX}commits/{sha}"])

    def _fetch(self, repo_url: str, git_dir: Path, refspecs: list[str], full: bool = False) -> None:
        args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head"]
        shallow_clone = (git_dir / "shallow").exists()
        if full and shallow_clone:
            args.append("--unshallow")
        elif self._shallow and not full and (shallow_clone or not _has_refs(git_dir)):
            args.append("--depth=1")
        self._network(repo_url, [*args, "--end-of-options", repo_url, *refspecs], git_dir)

    def _resolve_short(self, repo_url: str, prefix: str) -> str:
        with self._lock(f"repo:{normalize_repo_url(repo_url)}"):
            git_dir = self._clone(repo_url)
            found = self._rev_parse(git_dir, repo_url, prefix)
            if found is None:
                self._fetch(repo_url, git_dir, list(_ALL_REFS), full=True)
                found = self._rev_parse(git_dir, repo_url, prefix)
        if found is None:
            raise RevisionNotFound(f"{redact_url(repo_url)}: revision {prefix!r} not found")
        return found

    def _rev_parse(self, git_dir: Path, repo_url: str, revision: str) -> str | None:
        try:
            out = self._local(
                repo_url,
                git_dir,
                ["rev-parse", "--verify", "--end-of-options", f"{revision}^{{commit}}"],
            )
        except SourceError:
            return None
        return out.strip() or None

    def _full_sha(self, repo_url: str, sha: str) -> str:
        if not is_full_sha(sha):
            raise RevisionNotFound(f"{redact_url(repo_url)}: {sha!r} is not a full commit SHA")
        return sha.lower()

    def _local(self, repo_url: str, git_dir: Path | None, args: list[str]) -> str:
        call = GitCall(
            args,
            repo_url,
            git_dir,
            self._base_env,
            timeout_seconds=self._timeout,
            private_paths=self._private,
        )
        return run_git(call)

    def _network(self, repo_url: str, args: list[str], git_dir: Path | None = None) -> str:
        self._check_url(repo_url)
        with self._guard:
            creds = self._credentials.lookup(repo_url)
        scratch = self._cache_dir / "tmp"
        with credential_environment(self._base_env, creds, scratch, repo_url) as env:
            secrets = creds.secret_values() if creds else ()
            call = GitCall(
                args,
                repo_url,
                git_dir,
                env,
                self._timeout,
                secrets,
                network=True,
                private_paths=self._private,
            )
            started = self._clock()
            ok = False
            try:
                output = run_git(call)
                ok = True
                return output
            except RepositoryUnreachable as error:
                if creds is not None and _REDIRECTED.search(str(error)):
                    raise RepositoryUnreachable(f"{error} ({_NO_REDIRECTS})") from error
                raise
            finally:
                if self._on_request is not None:
                    self._on_request(repo_url, args[0], self._clock() - started, ok)


def _has_refs(git_dir: Path) -> bool:
    refs = git_dir / "refs" / "gitopsd"
    return (git_dir / "packed-refs").exists() or (refs.is_dir() and any(refs.iterdir()))


def _check_revision(repo_url: str, revision: str) -> None:
    problem = revision_problem(revision)
    if problem is not None:
        raise RevisionNotFound(f"{redact_url(repo_url)}: invalid {problem}")
