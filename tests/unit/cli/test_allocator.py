"""The malloc arena cap of ``gitopsd run`` and ``gitopsd server``, seen in glibc's own
statistics from a child process whose threads contend for the allocator."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from gitopsd.cli.allocator import limit_arenas

glibc_only = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the cap is glibc's mallopt"
)

# Threads that allocate and free blocks too large for Python's own small-object allocator
# at the same time, then glibc's malloc_stats() (one "Arena N:" line per arena, on stderr).
CONTENDING_THREADS = """
import ctypes, sys, threading
from gitopsd.cli.allocator import limit_arenas
if sys.argv[1] == "cap":
    assert limit_arenas({}) == 2
barrier = threading.Barrier(8)
def churn():
    barrier.wait()
    for _ in range(20000):
        blocks = [bytearray(4096) for _ in range(8)]
        del blocks
threads = [threading.Thread(target=churn) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
ctypes.CDLL(None).malloc_stats()
"""


def arenas_used(mode: str) -> int:
    environment = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", CONTENDING_THREADS, mode],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=True,
    )
    return sum(1 for line in done.stderr.splitlines() if line.startswith("Arena "))


@glibc_only
def test_contending_threads_share_two_arenas_once_capped() -> None:
    assert arenas_used("cap") <= 2
    # The same threads without the cap spread further: the cap is what made the difference.
    assert arenas_used("plain") > 2


def test_an_operator_set_arena_count_is_left_to_glibc() -> None:
    assert limit_arenas({"MALLOC_ARENA_MAX": "8"}) is None
