"""CPU and memory of the processes a benchmark side runs, from ``/proc``.

Called by ``bench_flux.py`` for both sides and for the control plane: a process tree's CPU
seconds (its own and its waited-for children's, so the git processes gitopsd runs count),
the sum of the tree's proportional set size sampled twice a second (its peak catches
short-lived children that VmHWM of the parent never sees, without counting pages a child
shares with its parent twice), and the pids of a ``hack/cluster.sh``
cluster's components.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def _stat_fields(pid: int) -> list[str]:
    # Fields after "(comm)": 4 is the parent pid, 14-17 utime, stime, cutime, cstime.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and of the children it has waited for; 0 once gone."""
    try:
        fields = _stat_fields(pid)
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    """Proportional set size (shared pages divided among their sharers), else RSS. A
    child that the controller has just forked (or vforked) for git shares every page of
    the parent until it execs; its RSS would count the controller twice."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_MIB
    except (OSError, IndexError, ValueError):
        return 0.0


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the highest resident set the process itself has had."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(roots: list[int]) -> list[int]:
    """``roots`` and every process below them, from one pass over ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int(_stat_fields(int(entry.name))[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def cluster_pids(kubeconfig: str) -> dict[str, int]:
    """The components of the ``hack/cluster.sh`` cluster whose kubeconfig this is, by name
    (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok-controller)."""
    state = Path(kubeconfig).parent
    pid_dir = state / "kwok" / "clusters" / state.name / "pids"
    pids = {}
    for path in sorted(pid_dir.glob("*.pid")):
        text = path.read_text().strip()
        if text.isdigit():
            pids[path.stem] = int(text)
    return pids


def client_throttling(kubeconfig: str) -> dict[str, dict[str, float]]:
    """Per component log: how often its client waited on its own rate limit ("client-side
    throttling") and the longest such wait, in seconds. kube-controller-manager's default
    limit (20 requests/s, bursts of 30) bounds how fast Deployments get their pods."""
    state = Path(kubeconfig).parent
    found: dict[str, dict[str, float]] = {}
    for log in sorted((state / "kwok" / "clusters" / state.name / "logs").glob("*.log")):
        waits = []
        for line in log.read_text(errors="replace").splitlines():
            if "client-side throttling" in line:
                match = _WAITED.search(line)
                waits.append(_seconds(match.group(1)) if match else 0.0)
        if waits:
            found[log.stem] = {"times": len(waits), "longest_seconds": round(max(waits), 2)}
    return found


_WAITED = re.compile(r"Waited for ([0-9.]+(?:ms|s|µs))")


def _seconds(text: str) -> float:
    for suffix, scale in (("ms", 1e-3), ("µs", 1e-6), ("s", 1.0)):
        if text.endswith(suffix):
            return float(text.removesuffix(suffix)) * scale
    return 0.0


@dataclass
class CpuMark:
    """CPU seconds of named processes at one moment; subtract two for a window."""

    seconds: dict[str, float]

    @classmethod
    def take(cls, pids: dict[str, int]) -> CpuMark:
        return cls({name: cpu_seconds(pid) for name, pid in pids.items()})

    def since(self, earlier: CpuMark) -> dict[str, float]:
        return {
            name: round(value - earlier.seconds.get(name, 0.0), 2)
            for name, value in self.seconds.items()
        }


class RssSampler:
    """Samples the summed RSS of the trees under ``roots`` every ``interval`` seconds and
    keeps the highest sum seen."""

    def __init__(self, roots: list[int], interval: float = 0.5) -> None:
        self.roots = roots
        self.interval = interval
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def sample(self) -> float:
        total = sum(rss_mib(pid) for pid in descendants(self.roots))
        self.peak_mib = max(self.peak_mib, total)
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()
