"""``make bench``: every benchmark in turn, then ``bench/RESULTS.md`` with what was measured.

Runs ``bench_render.py`` (when present), ``bench_charts.py``, ``bench_reconcile.py``,
``bench_scale.py``
(sizes from ``--sizes``, default 100,500,1000; ``--quick`` for 100 only) and
``bench_server.py`` and ``bench_ui.py`` (1000 apps; ``--quick`` 100) as separate
processes, streaming their output, and writes the machine description, the date, every
number and the comparison target into the results file. Exits non-zero when a benchmark
failed (for bench_reconcile: pass 2 made dry-run or write calls with nothing changed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # for bench.support

from bench.support import (  # noqa: E402
    kube_versions,
    machine,
    put_testbed_on_path,
    stop_cleanly_on_sigterm,
)

FLUX_TARGET = (
    "Flux (kustomize-controller) reconciles 1000 such units (Deployment, Service, ConfigMap, "
    "ServiceAccount each) in about 4 min on 2 CPUs with about 220 MiB of memory (its "
    "published figure, from another machine). `make bench-flux` runs Flux beside gitopsd "
    "on this machine: see the section at the end."
)
FLUX_START, FLUX_END = "<!-- bench_flux:start -->", "<!-- bench_flux:end -->"
REQUEST_COLUMNS = ("GET", "LIST", "dry-run", "PATCH", "POST", "PUT", "DELETE")


def run_script(name: str, *args: str) -> tuple[int, str, float]:
    """Run ``bench/<name>`` with this Python, echoing its output; (rc, output, seconds)."""
    print(f"\n### {name} {' '.join(args)}", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(BENCH / name), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    return process.wait(), "".join(lines), time.monotonic() - started


def read_json(path: Path) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return loaded


# --- the report -----------------------------------------------------------------------
def machine_section() -> list[str]:
    info = machine()
    return [
        "## Machine",
        "",
        f"- CPUs (nproc): {info['nproc']}",
        f"- Memory: {info['memory']}",
        f"- CPU model: {info['cpu']}",
        f"- Python: {info['python']}; kernel {info['kernel']}",
        f"- Testbed: {kube_versions()}",
        "- Everything shares these CPUs: etcd, kube-apiserver, kube-controller-manager, "
        "kube-scheduler and kwok (fake nodes, pods never run), git, the controller and the "
        "benchmark's own polling.",
        "",
    ]


def reconcile_section(results: dict[str, Any], rc: int, output: str) -> list[str]:
    lines = ["## Reconcile: one Application of 50 objects (issue 4)", ""]
    if not results:
        return [*lines, "Did not complete:", "", "```", output.strip()[-3000:], "```", ""]
    lines += [
        "`bench/bench_reconcile.py` drives the `Reconciler` directly over a `KubeCluster` "
        "that counts requests (20 ConfigMaps, 10 Services, 10 Deployments, 5 "
        "ServiceAccounts, 2 Roles, 2 RoleBindings, 1 Secret; automated sync, "
        "CreateNamespace).",
        "",
        "| pass | seconds in reconcile | " + " | ".join(REQUEST_COLUMNS) + " |",
        "|---|---:|" + "---:|" * len(REQUEST_COLUMNS),
    ]
    rows = (
        ("1: diff, operation recorded", results["pass1"]),
        (f"until Synced/Healthy ({results['settle']['passes']} passes)", results["settle"]),
        ("2: nothing changed", results["pass2"]),
        ("3: one Deployment scaled by hand", results["pass3"]),
    )
    for label, row in rows:
        counts = row["requests"]
        cells = " | ".join(str(counts.get(column, 0)) for column in REQUEST_COLUMNS)
        lines.append(f"| {label} | {row['seconds']:.3f} | {cells} |")
    verdict = "PASS" if rc == 0 and not results.get("pass2_violations") else "FAIL"
    lines += [
        "",
        f"Pass 2 with nothing changed made {results.get('pass2_violations', '?')} dry-run or "
        f"write calls: **{verdict}** (must be 0). Pass 3 left replicas at "
        f"{results['pass3'].get('replicas_after')} (desired 1). Dry runs while settling "
        "come from Deployments whose status (and so resourceVersion) changed between passes.",
        "",
    ]
    return lines


def scale_section(results: dict[str, Any], output: str) -> list[str]:
    lines = [
        "## Scale: N Applications x 4 objects, one `gitopsd run --workers 8` (issue 5)",
        "",
        "`bench/bench_scale.py`: one bare repository, one path per app, apps in one "
        "namespace deploying into 10; all Applications created at once with "
        "`kubectl create -f`; a fresh cluster (one kwok node per 100 pods, plus one) and "
        "a fresh controller per size; `--reconcile-interval` 120s (the default).",
        "",
    ]
    sizes = results.get("sizes") or []
    if not sizes:
        return [*lines, "Did not complete:", "", "```", output.strip()[-3000:], "```", ""]
    lines += [
        "| apps (objects) | all Synced+Healthy (1-min load avg before → after) | "
        "controller CPU while syncing | steady CPU (30 s) | RSS / peak RSS | "
        "reconcile p50 / p99 (mean, count) | "
        "webhook to synced (all apps at commit) | edit to healed, median (samples) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        lines.append(_scale_row(size))
    lines += ["", "API requests by the controller during the 30 s steady-state window:", ""]
    for size in sizes:
        requests = (size.get("steady") or {}).get("requests")
        if requests is not None:
            text = ", ".join(f"{verb} {int(n)}" for verb, n in requests.items()) or "none"
            lines.append(f"- {size['apps']} apps: {text}")
    lines += [
        "",
        "Reconcile quantiles are interpolated inside the histogram's buckets (0.25, 0.5, 1, "
        "2, 4, 8, 16 s), so they are estimates; the mean is exact. The webhook is the "
        "generic one without `changedFiles`, so every app on the repository is refreshed "
        "(column shows how many); the changed app is the middle one.",
        "",
    ]
    for size in sizes:
        if "error" in size:
            lines.append(f"- {size['apps']} apps did not finish: {size['error']}")
    return [*lines, ""]


def _scale_row(size: dict[str, Any]) -> str:
    count = size["apps"]
    if "sync" not in size:
        return f"| {count} | failed: {size.get('error', '?')} | | | | | | |"
    sync, steady, memory = size["sync"], size["steady"], size["memory_mib"]
    synced = f"{sync['seconds']:.0f} s"
    if sync["timed_out"]:
        synced = (
            f"{sync.get('why', 'timed out')}: {sync['ready']}/{count} at {sync['seconds']:.0f} s"
        )
    synced += f" (load {size.get('load_before', 0):.1f} → {sync.get('load_at_end', 0):.1f})"
    cpu = f"{sync['controller_cpu_seconds']:.0f} s (+{sync['children_cpu_seconds']:.0f} s git)"
    steady_cpu = f"{steady['cpu_cores'] * 100:.1f}% of a core"
    rss = f"{memory['VmRSS']:.0f} / {memory['VmHWM']:.0f} MiB"
    rec = size["reconcile"]
    reconcile = f"{rec['p50']:.2f} / {rec['p99']:.2f} s ({rec['mean']:.2f} s, {rec['count']})"
    hook = size.get("webhook")
    webhook = (
        f"{hook['seconds']:.1f} s ({hook['all_apps_at_commit']:.0f} s, "
        f"{hook['refreshed']} refreshed)"
        if hook
        else "-"
    )
    heal = "-"
    if size.get("heal"):
        samples = ", ".join(f"{s:.1f}" for s in size["heal"]["samples"])
        heal = f"{size['heal']['seconds']:.1f} s ({samples})"
    return (
        f"| {count} ({size['objects']}) | {synced} | {cpu} | {steady_cpu} | {rss} | "
        f"{reconcile} | {webhook} | {heal} |"
    )


def render_section(rc: int | None, output: str) -> list[str]:
    lines = ["## Render (bench/bench_render.py)", ""]
    if rc is None:
        return [*lines, "Not present in this checkout.", ""]
    status = "" if rc == 0 else f" (exit code {rc})"
    return [*lines, f"Output{status}:", "", "```", output.strip(), "```", ""]


def charts_section(rc: int, output: str) -> list[str]:
    lines = ["## Charts (bench/bench_charts.py, issue 11)", ""]
    status = "" if rc == 0 else f" (exit code {rc}: the chart was downloaded more than once)"
    return [*lines, f"Output{status}:", "", "```", output.strip(), "```", ""]


def source_revision() -> str:
    """The commit measured, marked when the work tree had uncommitted changes."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=BENCH.parent, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src")
    return f"{head} (with uncommitted changes under src/)" if dirty else head


def write_results(
    path: Path, sections: list[list[str]], started: dt.datetime, revision: str
) -> None:
    header = [
        "# gitopsd benchmark results",
        "",
        f"Generated by `make bench` (`bench/run_all.py`) on {started:%Y-%m-%d %H:%M} UTC "
        f"from commit {revision}. "
        "Benchmarks print numbers and never assert timings; the one correctness check is "
        "that an unchanged pass makes no dry-run or write calls.",
        "",
        "## Comparison target",
        "",
        FLUX_TARGET,
        "",
    ]
    body = [line for section in sections for line in section]
    path.write_text("\n".join(header + body + kept_flux_section(path)).rstrip() + "\n")


def kept_flux_section(path: Path) -> list[str]:
    """``bench_flux.py``'s section (``make bench-flux``), carried over unchanged: this
    script does not run Flux."""
    text = path.read_text() if path.exists() else ""
    start, end = text.find(FLUX_START), text.find(FLUX_END)
    if start < 0 or end < start:
        return []
    return ["", *text[start : end + len(FLUX_END)].splitlines()]


def server_section(results: dict[str, Any], output: str) -> list[str]:
    lines = ["## API server: `gitopsd server` over N Applications (issue 13)", ""]
    if not results:
        return [*lines, "Did not complete:", "", "```", output.strip()[-3000:], "```", ""]
    lines += [
        f"`bench/bench_server.py`: {results['apps']} Applications with realistic status "
        "(4 resources, 2 history entries), no controller. Server-side time is the list "
        "handler's `Server-Timing` (RBAC, filters, JSON); targets: list < 200 ms, status "
        "change to an open stream < 2 s, RSS < 150 MiB.",
        "",
        "| list as | items | MB | first (ms) | p50 (ms) | max (ms) | client p50 (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, key in (("admin", "list_admin"), ("one-project user", "list_one_project")):
        r = results[key]
        lines.append(
            f"| {label} | {int(r['items'])} | {r['bytes'] / 1e6:.1f} | "
            f"{r['first_server_ms']:.0f} | {r['server_p50_ms']:.0f} | "
            f"{r['server_max_ms']:.0f} | {r['client_p50_ms']:.0f} |"
        )
    stream, memory = results["stream"], results["rss_mib"]
    lines += [
        "",
        f"Status change to the Server-Sent Event: p50 {stream['p50_ms']:.0f} ms, max "
        f"{stream['max_ms']:.0f} ms. Server RSS {memory.get('VmRSS', 0):.0f} MiB "
        f"(peak {memory.get('VmHWM', 0):.0f} MiB).",
        "",
    ]
    return lines


def ui_section(results: dict[str, Any], output: str) -> list[str]:
    lines = ["## Web UI in Chromium over N Applications (issue 13)", ""]
    if not results:
        return [*lines, "Did not complete:", "", "```", output.strip()[-3000:], "```", ""]
    lines += [
        f"`bench/bench_ui.py`: {results['apps']} Applications (as bench_server writes them), "
        "Debian's Chromium through Playwright on the same CPUs. Times from navigation start "
        "(performance marks); targets: list painted < 1 s, status change on an open page "
        "< 2 s.",
        "",
        "| view | stream open p50 (ms) | list loaded p50 (ms) | painted cold (ms) "
        "| painted p50 (ms) | painted max (ms) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, key in (("tiles, 50 per page", "list_tiles"), ("table, 200", "list_table_200")):
        r = results[key]
        lines.append(
            f"| {label} | {r['stream_open_p50_ms']:.0f} | {r['list_loaded_p50_ms']:.0f} | "
            f"{r['cold_painted_ms']:.0f} | {r['painted_p50_ms']:.0f} | {r['painted_max_ms']:.0f} |"
        )
    lines += ["", "| status change shown on | p50 (ms) | max (ms) | event to DOM p50 (ms) |"]
    lines += ["|---|---:|---:|---:|"]
    for label, key in (("the list", "change_on_list"), ("the app's page", "change_on_app_page")):
        r = results[key]
        lines.append(
            f"| {label} | {r['p50_ms']:.0f} | {r['max_ms']:.0f} | {r['event_to_dom_p50_ms']:.0f} |"
        )
    lines += [
        "",
        f"Page JS heap with every application loaded: {results['js_heap_mib']:.0f} MiB.",
        "",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,500,1000")
    parser.add_argument("--quick", action="store_true", help="scale: 100 apps; render: 50")
    parser.add_argument("--output", default=str(BENCH / "RESULTS.md"))
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    put_testbed_on_path()
    started = dt.datetime.now(dt.UTC)
    revision = source_revision()
    failures = []
    with tempfile.TemporaryDirectory(prefix="gitopsd-bench-all-") as tmp:
        render_rc, render_out = None, ""
        if (BENCH / "bench_render.py").exists():
            render_rc, render_out, _ = run_script(
                "bench_render.py", *(("--apps", "50") if args.quick else ())
            )
            failures += ["bench_render"] if render_rc else []
        charts_rc, charts_out, _ = run_script("bench_charts.py")
        failures += ["bench_charts"] if charts_rc else []
        reconcile_json = Path(tmp) / "reconcile.json"
        rec_rc, rec_out, _ = run_script("bench_reconcile.py", "--json", str(reconcile_json))
        failures += ["bench_reconcile"] if rec_rc else []
        scale_json = Path(tmp) / "scale.json"
        sizes = "100" if args.quick else args.sizes
        scale_rc, scale_out, _ = run_script(
            "bench_scale.py", "--sizes", sizes, "--json", str(scale_json)
        )
        failures += ["bench_scale"] if scale_rc else []
        server_json = Path(tmp) / "server.json"
        apps = "100" if args.quick else "1000"
        server_rc, server_out, _ = run_script(
            "bench_server.py", "--apps", apps, "--json", str(server_json)
        )
        failures += ["bench_server"] if server_rc else []
        ui_json = Path(tmp) / "ui.json"
        ui_rc, ui_out, _ = run_script("bench_ui.py", "--apps", apps, "--json", str(ui_json))
        failures += ["bench_ui"] if ui_rc else []
        sections = [
            machine_section(),
            reconcile_section(read_json(reconcile_json), rec_rc, rec_out),
            scale_section(read_json(scale_json), scale_out),
            render_section(render_rc, render_out),
            charts_section(charts_rc, charts_out),
            server_section(read_json(server_json), server_out),
            ui_section(read_json(ui_json), ui_out),
        ]
    write_results(Path(args.output), sections, started, revision)
    print(f"\nwrote {args.output}" + (f"; failed: {', '.join(failures)}" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
