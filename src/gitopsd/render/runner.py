"""Running render tools (kustomize, helm): the one seam between rendering and processes.

:class:`ToolRunner` is the port; :class:`SubprocessRunner` the real implementation: it
starts the tool in its own process group — offline runs inside a network namespace when
the host allows one (:mod:`gitopsd.render.sandbox`) — kills the whole group past the time
limit (RenderTimeout), stops reading and kills it past the size limit (RenderTooLarge),
and turns a non-zero exit into a ToolError whose message is the tool's error with paths
and values redacted (:mod:`gitopsd.render.tool_errors`). Tests inject a counting runner
that wraps the real one. Called by :mod:`gitopsd.render.kustomize` and
:mod:`gitopsd.render.helm`.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from gitopsd.errors import RenderTimeout, RenderTooLarge, ToolError
from gitopsd.render.sandbox import Isolation, isolated_argv
from gitopsd.render.tool_errors import describe_failure

_STDERR_KEEP = 64 * 1024
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ToolRun:
    """One invocation: argv, working directory, environment, limits, and a name for errors.

    ``offline`` runs get no network (see :mod:`gitopsd.render.sandbox`). ``paths`` maps
    private absolute paths to what error messages show instead ("" for the repository
    root); ``secrets`` are values an error message must never contain.
    """

    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str]
    timeout_seconds: float
    max_bytes: int
    subject: str  # what is being rendered, starts every error message
    offline: bool = True
    paths: Mapping[str, str] = field(default_factory=dict, hash=False)
    secrets: tuple[str, ...] = field(default=(), hash=False, repr=False)


class ToolRunner(Protocol):
    def run(self, call: ToolRun) -> bytes:
        """The tool's stdout; raises ToolError, RenderTimeout or RenderTooLarge."""
        ...


class SubprocessRunner:
    """Runs tools as subprocesses with time and output limits (see the module docstring).

    ``isolation`` chooses how offline runs are kept off the network (default: a network
    namespace when the host allows one, else the sealed environment alone).
    """

    def __init__(self, isolation: Isolation = Isolation.AUTO) -> None:
        self._isolation = isolation

    def run(self, call: ToolRun) -> bytes:
        tool = Path(call.argv[0]).name
        argv = isolated_argv(call.argv, offline=call.offline, isolation=self._isolation)
        try:
            process = subprocess.Popen(
                argv,
                cwd=call.cwd,
                env=dict(call.env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as error:
            raise ToolError(f"{call.subject}: cannot run {tool}: {error.strerror}") from error
        try:
            stdout, stderr = _collect(process, call)
        finally:
            _kill_group(process)
        if process.returncode != 0:
            paths = {str(call.cwd): "", str(call.cwd.resolve()): "", **call.paths}
            detail = describe_failure(
                stderr.decode("utf-8", "replace"), paths=paths, secrets=call.secrets
            )
            raise ToolError(f"{call.subject}: {tool} failed: {detail}")
        return stdout


def _collect(process: subprocess.Popen[bytes], call: ToolRun) -> tuple[bytes, bytes]:
    """Read stdout and stderr until exit, enforcing the deadline and the size limit."""
    assert process.stdout is not None and process.stderr is not None
    deadline = time.monotonic() + call.timeout_seconds
    out, err = bytearray(), bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, out)
        selector.register(process.stderr, selectors.EVENT_READ, err)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RenderTimeout(
                    f"{call.subject}: {Path(call.argv[0]).name} ran longer than "
                    f"{call.timeout_seconds:g}s and was killed"
                )
            for key, _ in selector.select(timeout=remaining):
                _read_into(selector, key.fileobj, key.data)  # type: ignore[arg-type]
            if len(out) > call.max_bytes:
                raise RenderTooLarge(
                    f"{call.subject}: output exceeds the limit of {call.max_bytes} bytes"
                )
            del err[:-_STDERR_KEEP]
    try:
        process.wait(timeout=max(deadline - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired as error:
        raise RenderTimeout(
            f"{call.subject}: {Path(call.argv[0]).name} did not exit within "
            f"{call.timeout_seconds:g}s and was killed"
        ) from error
    return bytes(out), bytes(err)


def _read_into(selector: selectors.BaseSelector, stream: IO[bytes], buffer: bytearray) -> None:
    chunk = os.read(stream.fileno(), _CHUNK)
    if chunk:
        buffer.extend(chunk)
    else:
        selector.unregister(stream)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
