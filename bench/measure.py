"""Reading a running controller from outside: CPU time and memory from ``/proc/<pid>``,
and histograms and counters from its Prometheus text exposition.

Called by ``bench_scale.py``. Quantiles are estimated as Prometheus'
``histogram_quantile`` does: linear interpolation inside the bucket that holds the rank.
"""

from __future__ import annotations

import math
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})?\s+(?P<v>\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class CpuTimes:
    """CPU seconds used so far by the process itself and by its waited-for children."""

    own: float
    children: float


def cpu_times(pid: int) -> CpuTimes:
    stat = Path(f"/proc/{pid}/stat").read_text()
    # Fields after "(comm)": state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    fields = stat.rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return CpuTimes((utime + stime) / CLOCK_TICKS, (cutime + cstime) / CLOCK_TICKS)


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak resident set) in MiB."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    """Every sample of metric ``name`` as (labels, value)."""
    found = []
    for line in text.splitlines():
        match = _SAMPLE.match(line.strip())
        if match and match["name"] == name:
            labels = dict(_LABEL.findall(match["labels"] or ""))
            found.append((labels, float(match["v"])))
    return found


def summed_by(text: str, name: str, label: str) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for labels, value in samples(text, name):
        totals[labels.get(label, "")] += value
    return dict(sorted(totals.items()))


@dataclass(frozen=True)
class HistogramSummary:
    count: int
    mean: float
    p50: float
    p99: float
    top_bucket: float  # the largest finite bound; quantiles beyond it are reported as it


def histogram(text: str, name: str) -> HistogramSummary:
    """All series of histogram ``name`` added together, with p50 and p99 estimates."""
    buckets = summed_by(text, f"{name}_bucket", "le")
    total = sum(value for _, value in samples(text, f"{name}_sum"))
    count = sum(value for _, value in samples(text, f"{name}_count"))
    bounds = sorted((float(le), value) for le, value in buckets.items())
    finite = [bound for bound, _ in bounds if not math.isinf(bound)]
    return HistogramSummary(
        count=int(count),
        mean=total / count if count else 0.0,
        p50=quantile(0.5, bounds),
        p99=quantile(0.99, bounds),
        top_bucket=finite[-1] if finite else 0.0,
    )


def quantile(q: float, bounds: list[tuple[float, float]]) -> float:
    """``histogram_quantile(q, ...)`` over cumulative (upper bound, count) pairs."""
    if not bounds or bounds[-1][1] == 0:
        return 0.0
    rank = q * bounds[-1][1]
    lower, below = 0.0, 0.0
    for bound, cumulative in bounds:
        if cumulative >= rank:
            if math.isinf(bound):
                return lower  # beyond the top bucket: its bound is all we know
            inside = cumulative - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0)
        lower, below = bound, cumulative
    return lower
