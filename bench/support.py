"""Shared plumbing for the benchmark scripts in ``bench/``: the testbed binaries on PATH, a
local cluster started and torn down around a run (or the one ``KUBECONFIG`` names), a
description of the machine, and JSON results for ``bench/run_all.py``.

Called by ``bench_reconcile.py``, ``bench_scale.py`` and ``run_all.py``. Benchmarks print
numbers; they never assert timings.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
CLUSTER_SCRIPT = REPO_ROOT / "hack" / "cluster.sh"
T = TypeVar("T")


def testbed_bin() -> str:
    return subprocess.run(
        [str(REPO_ROOT / "hack" / "build-testbed.sh"), "--print-bin-dir"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def stop_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so clusters and controllers are torn down."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def put_testbed_on_path() -> None:
    """kubectl, kustomize and helm from the pinned testbed, for us and for the controller."""
    bin_dir = testbed_bin()
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def _reachable(kubeconfig: str) -> bool:
    probe = subprocess.run(
        ["kubectl", "--kubeconfig", kubeconfig, "--request-timeout=5s", "get", "--raw", "/readyz"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@contextmanager
def local_cluster(name: str, *, nodes: int = 2) -> Iterator[str]:
    """Yield a kubeconfig path: ``$KUBECONFIG`` when it is set and reachable (left
    running), else a fresh ``hack/cluster.sh up <name>-<pid>`` cluster, torn down
    afterwards. The pid keeps two benchmark runs on one machine from sharing (and
    tearing down) each other's cluster."""
    existing = os.environ.get("KUBECONFIG")
    if existing and Path(existing).is_file() and _reachable(existing):
        print(f"using the cluster of KUBECONFIG={existing}", flush=True)
        yield existing
        return
    name = f"{name}-{os.getpid()}"
    started = time.monotonic()
    up = subprocess.run(
        [str(CLUSTER_SCRIPT), "up", name],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GITOPSD_CLUSTER_NODES": str(nodes)},
    )
    if up.returncode != 0:
        raise SystemExit(f"could not start cluster {name}:\n{up.stderr}")
    kubeconfig = up.stdout.strip().splitlines()[-1].removeprefix("export KUBECONFIG=")
    print(f"cluster {name} up in {time.monotonic() - started:.1f} s ({nodes} nodes)", flush=True)
    try:
        yield kubeconfig
    finally:
        subprocess.run([str(CLUSTER_SCRIPT), "down", name], capture_output=True, check=False)
        print(f"cluster {name} deleted", flush=True)


def wait_until(
    condition: Callable[[], T | None], *, timeout: float, interval: float, what: str
) -> tuple[T, float]:
    """Poll ``condition`` until it returns a truthy value; (value, seconds waited)."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        value = condition()
        if value:
            return value, time.monotonic() - started
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def machine() -> dict[str, str]:
    """nproc, memory, CPU model, Python and kernel: what the numbers were measured on."""
    cpu_model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "nproc": str(os.cpu_count() or 0),
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "cpu": cpu_model or platform.processor() or "unknown",
        "python": sys.version.split()[0],
        "kernel": platform.release(),
    }


def kube_versions() -> str:
    """kubectl's and the testbed's versions as the pinned file names them."""
    versions = REPO_ROOT / "hack" / "testbed-versions.env"
    pairs = []
    for raw in versions.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            pairs.append(f"{key.strip()}={value.strip()}")
    return ", ".join(pairs)


def write_json(path: str | None, results: dict[str, Any]) -> None:
    if path:
        Path(path).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def kubectl(kubeconfig: str, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["kubectl", "--kubeconfig", kubeconfig, *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kubectl {' '.join(args[:3])} failed: {done.stderr.strip()[:2000]}")
    return done.stdout
