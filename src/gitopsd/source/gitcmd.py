"""Running the git binary: time limits, process-group kills, scrubbed and typed errors.

Network operations (``ls-remote``, ``fetch``) and tree writes go through :func:`run_git`
so each one has a deadline, its whole process group (git, git-remote-http, ssh) is killed
on expiry, and its stderr is scrubbed of credentials and of the controller's own paths
(the cache, its clones, checkouts, askpass helper and key files, temporary directories)
before it is put into a :class:`~gitopsd.errors.SourceError`. Callers put
``--end-of-options`` before every value that came from a user (URLs, revisions), so
none can be read as an option. Called by
:class:`gitopsd.source.repositories.GitRepositories` and :mod:`gitopsd.source.checkouts`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gitopsd.errors import (
    AuthenticationFailed,
    RepositoryUnreachable,
    RevisionNotFound,
    SourceError,
)
from gitopsd.source.urls import redact_url, scrub

log = logging.getLogger(__name__)

_STDERR_LIMIT = 600  # characters of git's stderr kept in a message

# Lower-cased fragments of git's (LC_ALL=C) stderr, checked in this order.
_AUTH_MARKERS = (
    "authentication failed",
    "could not read username",
    "could not read password",
    "terminal prompts disabled",
    "permission denied (publickey",
    "host key verification failed",
    "http 401",
    "http 403",
    "the requested url returned error: 401",
    "the requested url returned error: 403",
    "invalid username or password",
)
_REVISION_MARKERS = (
    "couldn't find remote ref",
    "not our ref",
    "unadvertised object",
    "no such remote ref",
    "unknown revision",
    "bad revision",
    "invalid object name",
)


@dataclass(frozen=True)
class GitCall:
    """One git invocation: what to run and how to describe it if it fails."""

    args: Sequence[str]
    repo_url: str  # for the message prefix; redacted before use
    git_dir: Path | None = None
    # Neither is ever shown: the environment carries the askpass password.
    env: dict[str, str] | None = field(default=None, hash=False, repr=False)
    timeout_seconds: float = 60.0
    secrets: tuple[str, ...] = field(default=(), repr=False)
    network: bool = False  # classify failures as remote (auth/unreachable) failures
    private_paths: tuple[str, ...] = ()  # shown as <cache> in messages


PRIVATE = "<cache>"
# A temporary path that no known prefix covered (``/tmp/…``, ``/var/tmp/…``).
_TEMPORARY = re.compile(r"(?<![\w:/.~-])/(?:var/)?tmp/[^\s'\"`:]*")


def _command(call: GitCall) -> list[str]:
    # No credential helpers (credentials come only from GIT_ASKPASS), no command-running
    # ext:: transport, and no background gc racing with checkouts and cache cleanup.
    prefix = ["git", "-c", "credential.helper=", "-c", "protocol.ext.allow=never"]
    prefix += ["-c", "gc.auto=0", "-c", "maintenance.auto=false"]
    if call.git_dir is not None:
        prefix += ["--git-dir", str(call.git_dir)]
    return [*prefix, *call.args]


def run_git(call: GitCall, *, stdin: bytes | None = None) -> str:
    """Run ``git <args>`` and return its stdout; raise a typed SourceError on failure."""
    where = redact_url(call.repo_url)
    verb = _verb(call.args)
    log.debug("%s: git %s", where, verb)
    try:
        process = subprocess.Popen(
            _command(call),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=call.env,
            start_new_session=True,  # so a timeout can kill git's helpers with it
        )
    except OSError as error:
        raise SourceError(f"{where}: cannot run git: {error.strerror}") from error
    try:
        out, err = process.communicate(stdin, timeout=call.timeout_seconds)
    except subprocess.TimeoutExpired as error:
        _kill_group(process)
        raise RepositoryUnreachable(
            f"{where}: git {verb} timed out after {call.timeout_seconds:g}s"
        ) from error
    if process.returncode != 0:
        raise classify_failure(call, err.decode("utf-8", "replace"))
    return out.decode("utf-8", "replace")


def _verb(args: Sequence[str]) -> str:
    """The git subcommand in ``args`` (skipping ``--work-tree DIR`` style options)."""
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
        elif arg in ("--work-tree", "--git-dir", "-c", "-C"):
            skip_next = True
        elif not arg.startswith("-"):
            return arg
    return "git"


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def trimmed(stderr: str, secrets: Iterable[str] = (), private_paths: Iterable[str] = ()) -> str:
    """Scrubbed stderr, without git's hint lines, cut to a readable length."""
    lines = [line for line in stderr.strip().splitlines() if not line.startswith("hint:")]
    text = scrub(" ".join(line.strip() for line in lines if line.strip()), secrets)
    text = hide_private_paths(text, private_paths)
    return text if len(text) <= _STDERR_LIMIT else text[:_STDERR_LIMIT] + "…"


def hide_private_paths(text: str, private_paths: Iterable[str]) -> str:
    """``text`` with the controller's own directories replaced by ``<cache>``."""
    prefixes = {p.rstrip("/") for p in private_paths if p.strip("/")}
    prefixes.add(tempfile.gettempdir().rstrip("/"))
    for prefix in sorted(prefixes, key=len, reverse=True):
        pattern = r"(?<![\w./~-])" + re.escape(prefix) + r"(?:/[^\s'\"`:]*|(?![\w.-]))"
        text = re.sub(pattern, PRIVATE, text)
    return _TEMPORARY.sub(PRIVATE, text)


def classify_failure(call: GitCall, stderr: str) -> SourceError:
    """The SourceError subclass that ``stderr`` describes, message prefixed with the URL."""
    where = redact_url(call.repo_url)
    detail = trimmed(stderr, call.secrets, call.private_paths) or "git exited with an error"
    lowered = stderr.lower()
    if any(marker in lowered for marker in _REVISION_MARKERS):
        return RevisionNotFound(f"{where}: {detail}")
    if call.network and any(marker in lowered for marker in _AUTH_MARKERS):
        return AuthenticationFailed(f"{where}: authentication failed: {detail}")
    if call.network:
        return RepositoryUnreachable(f"{where}: repository unreachable: {detail}")
    return SourceError(f"{where}: git {_verb(call.args)} failed: {detail}")
