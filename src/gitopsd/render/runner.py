"""Running render tools (kustomize, helm): the one seam between rendering and processes.

:class:`ToolRunner` is the port; :class:`SubprocessRunner` the real implementation: it
starts the tool in its own process group, kills the whole group past the time limit
(RenderTimeout), stops reading and kills it past the size limit (RenderTooLarge), and turns
a non-zero exit into a ToolError carrying the trimmed stderr. Tests inject a counting
runner that wraps the real one. Called by :mod:`gitopsd.render.kustomize` and
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
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from gitopsd.errors import RenderTimeout, RenderTooLarge, ToolError

_STDERR_KEEP = 64 * 1024
_STDERR_SHOW = 1500
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ToolRun:
    """One invocation: argv, working directory, environment, limits, and a name for errors."""

    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str]
    timeout_seconds: float
    max_bytes: int
    subject: str  # what is being rendered, starts every error message


class ToolRunner(Protocol):
    def run(self, call: ToolRun) -> bytes:
        """The tool's stdout; raises ToolError, RenderTimeout or RenderTooLarge."""
        ...


def trim_stderr(stderr: str, *, hide: Sequence[str] = ()) -> str:
    """The last, most telling part of a tool's stderr, with temp paths shortened."""
    text = stderr.strip()
    for prefix in sorted(set(hide), key=len, reverse=True):
        if prefix:
            text = text.replace(prefix.rstrip("/") + "/", "").replace(prefix, ".")
    return text if len(text) <= _STDERR_SHOW else "…" + text[-_STDERR_SHOW:]


class SubprocessRunner:
    """Runs tools as subprocesses with time and output limits (see the module docstring)."""

    def run(self, call: ToolRun) -> bytes:
        tool = Path(call.argv[0]).name
        try:
            process = subprocess.Popen(
                list(call.argv),
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
            detail = trim_stderr(stderr.decode("utf-8", "replace"), hide=(str(call.cwd),))
            raise ToolError(f"{call.subject}: {tool} failed: {detail or 'no error output'}")
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
