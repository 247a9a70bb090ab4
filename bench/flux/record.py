"""Measuring one stretch of a benchmark side the same way for gitopsd and Flux: wall time,
CPU seconds of the side's controllers and of the control plane's components, API requests
by method from the controllers' own metrics, the 1-minute load average at both ends; and
the quantiles of edit-to-healed samples.

Called by ``gitopsd_side.py`` and ``flux_side.py``.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.flux.processes import CpuMark
from bench.measure import samples
from bench.support import kubectl

WRITE_VERBS = ("POST", "PUT", "PATCH", "DELETE", "APPLY")

Requests = Callable[[], dict[str, float]]


def apiserver_writes(kubeconfig: str) -> dict[str, float]:
    """Writes the API server has answered so far, by verb, resource and whether they were
    dry runs (``apiserver_request_total``): it tells a dry-run PATCH from a real one,
    which a client's own request counter cannot."""
    try:
        text = kubectl(kubeconfig, "get", "--raw", "/metrics")
    except RuntimeError:
        return {}
    totals: dict[str, float] = {}
    for labels, value in samples(text, "apiserver_request_total"):
        if labels.get("verb") not in WRITE_VERBS:
            continue
        resource = labels.get("resource", "")
        if labels.get("subresource"):
            resource += "/" + labels["subresource"]
        dry = " (dry run)" if labels.get("dry_run") else ""
        key = f"{labels['verb']} {resource}{dry}"
        totals[key] = totals.get(key, 0.0) + value
    return totals


@dataclass
class Window:
    """Open with :meth:`open`, close with :meth:`close`; the result is a plain dict."""

    controllers: dict[str, int]
    control_plane: dict[str, int]
    requests: Requests
    kubeconfig: str = ""
    started: float = 0.0
    load_before: float = 0.0
    _cpu: CpuMark = field(default_factory=lambda: CpuMark({}))
    _plane: CpuMark = field(default_factory=lambda: CpuMark({}))
    _requests: dict[str, float] = field(default_factory=dict)
    _writes: dict[str, float] = field(default_factory=dict)

    def open(self) -> Window:
        self.load_before = os.getloadavg()[0]
        self._cpu = CpuMark.take(self.controllers)
        self._plane = CpuMark.take(self.control_plane)
        self._requests = self.requests()
        self._writes = apiserver_writes(self.kubeconfig) if self.kubeconfig else {}
        self.started = time.monotonic()
        return self

    def close(self) -> dict[str, Any]:
        seconds = time.monotonic() - self.started
        controllers = CpuMark.take(self.controllers).since(self._cpu)
        plane = CpuMark.take(self.control_plane).since(self._plane)
        after = self.requests()
        requests = {
            verb: int(after.get(verb, 0) - self._requests.get(verb, 0))
            for verb in sorted(after)
            if after.get(verb, 0) != self._requests.get(verb, 0)
        }
        writes = apiserver_writes(self.kubeconfig) if self.kubeconfig else {}
        return {
            "apiserver_writes": {
                key: int(value - self._writes.get(key, 0.0))
                for key, value in sorted(writes.items())
                if value != self._writes.get(key, 0.0)
            },
            "seconds": round(seconds, 1),
            "controller_cpu": round(sum(controllers.values()), 1),
            "controller_cpu_by_process": controllers,
            "control_plane_cpu": round(sum(plane.values()), 1),
            "control_plane_cpu_by_component": plane,
            "requests": requests,
            "load_before": round(self.load_before, 1),
            "load_after": round(os.getloadavg()[0], 1),
        }


def summarize(samples: list[float | None]) -> dict[str, Any]:
    """p50, p95 and max of the healed samples (nearest rank), and how many never healed."""
    healed = sorted(s for s in samples if s is not None)
    result: dict[str, Any] = {
        "samples": [None if s is None else round(s, 2) for s in samples],
        "healed": len(healed),
        "unhealed": len(samples) - len(healed),
    }
    if healed:
        result["p50"] = round(_rank(healed, 0.50), 2)
        result["p95"] = round(_rank(healed, 0.95), 2)
        result["max"] = round(healed[-1], 2)
    return result


def _rank(ordered: list[float], q: float) -> float:
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def spread_targets(count: int, samples: int) -> list[int]:
    """``samples`` unit indexes spread evenly over the fleet."""
    step = max(1, count // samples)
    return sorted({(i * step + step // 2) % count for i in range(min(samples, count))})


def load() -> float:
    return round(os.getloadavg()[0], 1)
