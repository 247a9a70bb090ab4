"""Side-by-side benchmark (issue 15): gitopsd and Flux reconcile the same N units of 4
objects from one repository served over smart HTTP on 127.0.0.1, each on a fresh local
cluster, alternating, in one run.

For every size N, first gitopsd, then Flux's source-controller + kustomize-controller
(built by ``bench/flux/build.sh``, versions in ``bench/flux/versions.env``), each on its
own new ``hack/cluster.sh`` cluster with one kwok node per 100 pods (plus two). Both get
the same worker count. Measured on each side: seconds until every unit was seen Synced
and Healthy (gitopsd) or Ready at its current generation (Flux); peak RSS summed over the
side's processes (gitopsd: the controller and its git children); the controllers' CPU
seconds; the control plane's CPU seconds (its five processes, from /proc); API requests
by method; a steady window with nothing changing; edit-to-healed (Flux at its 1 m
interval and at the short one). The targets of issue 15 are printed, never asserted.

Run: ``.venv/bin/python bench/bench_flux.py [--sizes 100,500,1000] [--workers 8]
[--json FILE] [--results bench/RESULTS.md] [--only gitopsd|flux]``, or ``make bench-flux``.
Benchmark only: Flux is never built or run by ``make test``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # for bench.* and tests.support

from bench.bench_scale import build_repo  # noqa: E402
from bench.flux import controllers, flux_side, gitopsd_side, report, workload  # noqa: E402
from bench.flux.cluster import fresh_cluster  # noqa: E402
from bench.run_all import source_revision  # noqa: E402
from bench.support import put_testbed_on_path, stop_cleanly_on_sigterm  # noqa: E402
from tests.support.gitserver import git_http  # noqa: E402


def run_side(side: str, count: int, options: dict[str, Any]) -> dict[str, Any]:
    print(f"== {side}: {count} units x 4 objects (load {os.getloadavg()[0]:.1f})", flush=True)
    nodes = count // 100 + 2  # kwok nodes hold 110 pods each
    with tempfile.TemporaryDirectory(prefix=f"fluxbench-{side}-{count}-") as tmp:
        workdir = Path(tmp)
        repo = build_repo(workdir, count)
        with (
            git_http(repo.path.parent, workload.GIT_USER, workload.GIT_TOKEN) as server,
            fresh_cluster(f"fluxbench-{side}-{count}-{os.getpid()}", nodes=nodes) as kubeconfig,
        ):
            url = f"{server.base_url}/{repo.path.name}"
            module = gitopsd_side if side == "gitopsd" else flux_side
            try:
                result = module.run(kubeconfig, count, url, workdir, options)
            except (RuntimeError, TimeoutError, AssertionError) as error:
                print(f"  {side} FAILED: {error}", flush=True)
                result = {"side": side, "units": count, "error": str(error)[-3000:]}
            result["git_http_requests"] = len(server.stats.requests)
            result["kwok_nodes"] = nodes
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,500,1000", help="comma-separated unit counts")
    parser.add_argument(
        "--workers", type=int, default=8, help="gitopsd --workers, Flux --concurrent"
    )
    parser.add_argument("--only", choices=("gitopsd", "flux"), help="run one side only")
    parser.add_argument("--steady", type=float, default=75.0, help="seconds of steady window")
    parser.add_argument("--heal-samples", type=int, default=20)
    parser.add_argument("--flux-short-interval", default="10s")
    parser.add_argument(
        "--flux-short-max", type=int, default=500, help="largest size with the short round"
    )
    parser.add_argument("--timeout", type=float, default=40 * 60.0, help="per side and size")
    parser.add_argument("--json", help="also write every number to this file")
    parser.add_argument("--results", help="replace the Flux section of this RESULTS.md")
    parser.add_argument("--logs", type=Path, help="keep the controllers' logs in DIR")
    parser.add_argument("--py-spy", type=Path, help="profile gitopsd's sync stretch into DIR")
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    put_testbed_on_path()
    sides = [args.only] if args.only else ["gitopsd", "flux"]
    options: dict[str, Any] = {
        "workers": args.workers,
        "steady": args.steady,
        "heal_samples": args.heal_samples,
        "heal_timeout": 15 * 60.0,
        "flux_short_interval": args.flux_short_interval,
        "flux_short_max": args.flux_short_max,
        "timeout": args.timeout,
    }
    if args.py_spy:
        options["py_spy"] = args.py_spy
    if args.logs:
        options["log_dir"] = args.logs
    if "flux" in sides:
        options["flux_bin"] = controllers.build()
        print(f"Flux: {controllers.versions(options['flux_bin'])}", flush=True)
    results: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
        "machine": report.machine_line(),
        "revision": source_revision(),
        "options": {k: str(v) for k, v in options.items()},
        "runs": [],
    }
    for count in [int(size) for size in args.sizes.split(",") if size]:
        for side in sides:
            results["runs"].append(run_side(side, count, options))
            if args.json:
                Path(args.json).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(report.summary(results), flush=True)
    if args.results:
        report.write_section(Path(args.results), results)
        print(f"wrote the Flux comparison into {args.results}")
    failed = [r for r in results["runs"] if "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
