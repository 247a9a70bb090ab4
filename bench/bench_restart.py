"""A controller started over N existing, synced Applications: its memory over time.

A first controller syncs N Applications of `bench_scale.py`'s fleet (4 objects each) on a
fresh local cluster; it is stopped, and a second one (a new pod: a fresh Git cache) starts
over the same Applications. The benchmark samples the second controller's resident set
every half second and reads how many passes it has finished, and prints the memory at
fixed times after start, its peak, when its first pass over every Application finished,
and the first controller's memory after syncing the same Applications as they arrived.

    .venv/bin/python bench/bench_restart.py [--apps 1000] [--seconds 60] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.bench_scale import (  # noqa: E402
    DEST_NAMESPACES,
    Fleet,
    applications,
    build_repo,
    prepare,
    wait_all_ready,
)
from bench.measure import histogram, memory_mib  # noqa: E402
from bench.support import (  # noqa: E402
    kubectl,
    local_cluster,
    machine,
    put_testbed_on_path,
    stop_cleanly_on_sigterm,
    write_json,
)
from tests.support.controller import RunningController, start_controller  # noqa: E402

SAMPLE_INTERVAL = 0.5
REPORTED_AT = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)


def passes_done(ctl: RunningController) -> int:
    try:
        return histogram(ctl.metrics(), "gitopsd_app_reconcile_seconds").count
    except OSError:
        return 0


def sample_restart(ctl: RunningController, count: int, seconds: float) -> dict[str, Any]:
    """RSS every SAMPLE_INTERVAL for ``seconds`` from the controller's start."""
    started = time.monotonic()
    rss: list[tuple[float, float]] = []
    all_passed_at: float | None = None
    while (now := time.monotonic() - started) < seconds:
        memory = memory_mib(ctl.process.pid)
        rss.append((now, memory["VmRSS"]))
        if all_passed_at is None and passes_done(ctl) >= count:
            all_passed_at = now
        time.sleep(SAMPLE_INTERVAL)
    at = {
        f"{mark:g}s": next((value for when, value in rss if when >= mark), rss[-1][1])
        for mark in REPORTED_AT
        if mark <= seconds
    }
    return {
        "rss_at_mib": at,
        "peak_mib": memory_mib(ctl.process.pid)["VmHWM"],
        "end_mib": rss[-1][1],
        "all_passed_seconds": all_passed_at,
        "passes": passes_done(ctl),
    }


def run(count: int, seconds: float, workdir: Path) -> dict[str, Any]:
    repo = build_repo(workdir, count)
    results: dict[str, Any] = {"apps": count, "machine": machine()}
    with local_cluster(f"bench-restart-{count}", nodes=count // 100 + 2) as kubeconfig:
        namespace = f"bench-apps-{count}"
        prepare(kubeconfig, count, namespace)
        env = {"KUBECONFIG": kubeconfig}
        args = ("--workers", "8")
        first = start_controller(
            namespace, workdir / "first", kubeconfig=kubeconfig, extra_args=args, env=env
        )
        try:
            started = time.monotonic()
            kubectl(kubeconfig, "create", "-f", "-", stdin=applications(count, namespace, repo.url))
            sync = wait_all_ready(Fleet(kubeconfig, namespace, count), first, started)
            if sync["timed_out"]:
                raise RuntimeError(f"the first controller did not sync: {sync}")
            time.sleep(10)  # its last Events and status writes
            results["first"] = {"sync_seconds": sync["seconds"], **memory_mib(first.process.pid)}
            print(
                f"  first controller: {count} apps synced in {sync['seconds']:.0f} s; "
                f"RSS {results['first']['VmRSS']:.0f} MiB, peak {results['first']['VmHWM']:.0f}",
                flush=True,
            )
        finally:
            first.stop()
        second = start_controller(
            namespace, workdir / "second", kubeconfig=kubeconfig, extra_args=args, env=env
        )
        try:
            results["restart"] = sample_restart(second, count, seconds)
        finally:
            second.stop()
        restart = results["restart"]
        marks = ", ".join(f"{k} {v:.0f}" for k, v in restart["rss_at_mib"].items())
        passed = restart["all_passed_seconds"]
        print(
            f"  restarted controller RSS (MiB): {marks}; peak {restart['peak_mib']:.0f}; "
            f"first pass over all {count} apps done "
            + (f"after {passed:.1f} s" if passed is not None else f"not within {seconds:.0f} s"),
            flush=True,
        )
        names = [namespace] + [f"bench-{count}-{i:02d}" for i in range(DEST_NAMESPACES)]
        kubectl(kubeconfig, "delete", "namespace", *names, "--wait=false")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to sample")
    parser.add_argument("--json", help="also write the results to this file")
    options = parser.parse_args()
    stop_cleanly_on_sigterm()
    put_testbed_on_path()
    print(f"== restart over {options.apps} synced applications", flush=True)
    with tempfile.TemporaryDirectory(prefix="gitopsd-bench-restart-") as tmp:
        results = run(options.apps, options.seconds, Path(tmp))
    results["load_average"] = os.getloadavg()[0]
    write_json(options.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
