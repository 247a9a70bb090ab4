"""Shared render-test helpers: a runner that counts tool runs around the real one."""

from __future__ import annotations

import threading

import pytest

from gitopsd.render import SubprocessRunner, ToolRun


class CountingRunner:
    """The real :class:`SubprocessRunner`, counting invocations per tool."""

    def __init__(self) -> None:
        self._real = SubprocessRunner()
        self._lock = threading.Lock()
        self.calls: list[str] = []

    def run(self, call: ToolRun) -> bytes:
        with self._lock:
            self.calls.append(call.argv[0].rsplit("/", 1)[-1])
        return self._real.run(call)

    @property
    def count(self) -> int:
        return len(self.calls)


@pytest.fixture
def runner() -> CountingRunner:
    return CountingRunner()
