"""The comparison as text: a summary printed at the end of ``bench_flux.py`` and the
section it writes into ``bench/RESULTS.md`` between two markers (``run_all.py`` keeps that
section when it rewrites the file). Ratios are Flux's figure over gitopsd's, so above 1
means gitopsd needed less. Issue 15's targets are printed next to the numbers, never
asserted.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from bench.support import kube_versions, machine

START = "<!-- bench_flux:start -->"
END = "<!-- bench_flux:end -->"
MAX_RSS_MIB = 200.0
MAX_HEAL_P95 = 1.0
MIN_SPEEDUP = 2.0


def machine_line() -> str:
    info = machine()
    return (
        f"{info['nproc']} CPUs ({info['cpu']}), {info['memory']}, Python {info['python']}, "
        f"kernel {info['kernel']}; test bed {kube_versions()}"
    )


def _pairs(results: dict[str, Any]) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    by_size: dict[int, dict[str, dict[str, Any]]] = {}
    for run in results["runs"]:
        by_size.setdefault(int(run["units"]), {})[run["side"]] = run
    return [
        (n, sides.get("gitopsd", {}), sides.get("flux", {})) for n, sides in sorted(by_size.items())
    ]


def _get(run: dict[str, Any], *path: str) -> Any:
    value: Any = run
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _num(value: Any, digits: int = 0, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}{unit}"


def _ratio(flux: Any, gitopsd: Any) -> str:
    if not flux or not gitopsd:
        return "-"
    return f"{flux / gitopsd:.1f}x"


def _heal(run: dict[str, Any], *path: str) -> str:
    heal = _get(run, "heal", *path)
    if not heal:
        return "-"
    text = f"{_num(heal.get('p50'), 1)} / {_num(heal.get('p95'), 1)} s"
    if heal.get("unhealed"):
        text += f" ({heal['unhealed']} of {len(heal['samples'])} not healed)"
    return text


# What the controllers write; the control plane's own writes (leases, node and pod
# status) go on in every window and are not counted.
CONTROLLER_RESOURCES = (
    "applications",
    "kustomizations",
    "gitrepositories",
    "events",
    "deployments",
    "services",
    "configmaps",
    "serviceaccounts",
)


def real_writes(window: dict[str, Any] | None) -> int | None:
    """Writes that were not dry runs, to what the controllers write, from the API
    server's own counters (None when the window has none)."""
    if not window or "apiserver_writes" not in window:
        return None
    total = 0
    for key, count in window["apiserver_writes"].items():
        verb_resource = key.removesuffix(" (dry run)")
        resource = verb_resource.split(" ", 1)[1].split("/", 1)[0]
        if key.endswith("(dry run)") or resource not in CONTROLLER_RESOURCES:
            continue
        total += count
    return total


def _writes(run: dict[str, Any], key: str = "steady") -> str:
    requests = _get(run, key, "requests") or {}
    reads = requests.get("GET", 0)
    real = real_writes(run.get(key))
    if real is None:
        writes = sum(n for verb, n in requests.items() if verb.upper() != "GET")
        return f"{reads} GET, {writes} non-GET"
    return f"{reads} GET, {real} writes"


def _duration(text: str) -> float:
    """``1m`` -> 60, ``10s`` -> 10 (Flux's interval notation, as far as used here)."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0}
    return float(text[:-1]) * units.get(text[-1], 1.0) if text[:-1].isdigit() else 0.0


def table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| units | side | all ready (s) | load (start → end) "
        "| peak memory, MiB: sum (controllers' own) | controller CPU (s) "
        "| control plane CPU (s) | steady 75 s: CPU (s), requests | edit→healed p50 / p95 |",
        "|---:|---|---:|---|---:|---:|---:|---|---|",
    ]
    for n, gitopsd, flux in _pairs(results):
        for name, run in (("gitopsd", gitopsd), ("Flux", flux)):
            if not run:
                continue
            if "error" in run:
                lines.append(f"| {n} | {name} | failed: {run['error'][:120]} | | | | | | |")
                continue
            sync = run.get("sync") or {}
            heal = (
                f"one at a time {_heal(run, 'one_at_a_time')}; 20 at once {_heal(run, 'together')}"
                if name == "gitopsd"
                else "; ".join(
                    f"at {interval}: {_heal(run, interval, 'together')}"
                    for interval in sorted(run.get("heal") or {}, key=_duration, reverse=True)
                )
            )
            lines.append(
                f"| {n} | {name} | {_num(sync.get('all_ready_seconds'))}"
                f"{' (timed out)' if sync.get('timed_out') else ''} | "
                f"{_num(sync.get('load_before'), 1)} → {_num(sync.get('load_after'), 1)} | "
                f"{_num(run.get('peak_rss_mib'))} ({_num(run.get('controller_vmhwm_mib'))}) | "
                f"{_num(sync.get('controller_cpu'))} | "
                f"{_num(sync.get('control_plane_cpu'))} | "
                f"{_num(_get(run, 'steady', 'controller_cpu'), 1)}, {_writes(run)} | {heal} |"
            )
    return lines


def ratios(results: dict[str, Any]) -> list[str]:
    lines = [
        "| units | time to all ready | peak RSS | controller CPU | control plane CPU |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n, gitopsd, flux in _pairs(results):
        if not gitopsd or not flux or "error" in gitopsd or "error" in flux:
            continue
        g, f = gitopsd.get("sync") or {}, flux.get("sync") or {}
        lines.append(
            f"| {n} | {_ratio(f.get('all_ready_seconds'), g.get('all_ready_seconds'))} | "
            f"{_ratio(flux.get('peak_rss_mib'), gitopsd.get('peak_rss_mib'))} | "
            f"{_ratio(f.get('controller_cpu'), g.get('controller_cpu'))} | "
            f"{_ratio(f.get('control_plane_cpu'), g.get('control_plane_cpu'))} |"
        )
    return lines


def targets(results: dict[str, Any]) -> list[str]:
    """Issue 15's targets at the largest size both sides completed."""
    done = [(n, g, f) for n, g, f in _pairs(results) if g and "error" not in g]
    if not done:
        return ["No gitopsd run completed; no target can be judged."]
    n, gitopsd, flux = done[-1]
    lines = []
    g_time = _get(gitopsd, "sync", "all_ready_seconds")
    f_time = _get(flux, "sync", "all_ready_seconds") if flux and "error" not in flux else None
    if g_time and f_time:
        speedup = f_time / g_time
        verdict = "met" if speedup >= MIN_SPEEDUP else "NOT met"
        lines.append(
            f"- {n} units Synced+Healthy {speedup:.1f}x faster than Flux's Ready "
            f"(target ≥ {MIN_SPEEDUP:.0f}x): {verdict}"
        )
    rss = gitopsd.get("controller_vmhwm_mib")
    if rss:
        verdict = "met" if rss <= MAX_RSS_MIB else "NOT met"
        lines.append(
            f"- controller peak RSS (VmHWM) at {n}: {rss:.0f} MiB (target ≤ "
            f"{MAX_RSS_MIB:.0f}): {verdict}; with its git children at their peak "
            f"{_num(gitopsd.get('peak_rss_mib'))} MiB"
        )
    p95 = _get(gitopsd, "heal", "one_at_a_time", "p95")
    if p95 is not None:
        verdict = "met" if p95 <= MAX_HEAL_P95 else "NOT met"
        lines.append(
            f"- edit-to-healed p95 at {n}, one edit at a time: {p95:.2f} s "
            f"(target ≤ {MAX_HEAL_P95:.0f} s): {verdict}"
        )
    writes = real_writes(gitopsd.get("steady"))
    if writes is None:
        requests = _get(gitopsd, "steady", "requests") or {}
        writes = sum(v for k, v in requests.items() if k != "GET")
    lines.append(
        f"- writes in a steady window that holds one unchanged pass of every app: "
        f"{writes} (target 0): {'met' if writes == 0 else 'NOT met'}"
    )
    return lines


def summary(results: dict[str, Any]) -> str:
    return "\n".join(
        ["", "== comparison", *table(results), "", *ratios(results), "", *targets(results)]
    )


def section(results: dict[str, Any]) -> list[str]:
    settings = results["options"]
    flux_versions = next((r.get("versions") for r in results["runs"] if r.get("versions")), "")
    return [
        START,
        "## Side by side with Flux on the same machine (issue 15)",
        "",
        f"`bench/bench_flux.py` ({results['started']} UTC): the same N units of 4 objects "
        "from one repository served over smart HTTP (git http-backend, Basic auth) on "
        "127.0.0.1, each side on a fresh local cluster, gitopsd first, then Flux, size by "
        f"size. Workers: {settings['workers']} on both sides (gitopsd `--workers`, Flux "
        "`--concurrent` for both controllers). gitopsd: `--reconcile-interval 60s`. Flux "
        f"({flux_versions}): Kustomizations with `prune: true`, `wait: true`, "
        "`timeout: 10m`, interval 1m (then the short interval), GitRepository interval 1m. "
        f"Machine: {results['machine']}. Commit measured: {results.get('revision', 'see below')}.",
        "",
        "All ready: every unit seen Synced+Healthy (gitopsd) or Ready at its current "
        "generation (Flux), from creating the resources. Peak memory: the highest sampled "
        "sum over the side's processes (proportional set size from commit b799ee1 on; "
        "before it, resident sets, which count a git child's pages shared with the "
        "controller twice), and in brackets the sum of the controllers' own peaks "
        "(VmHWM). CPU: the controllers' (with their children) and the control "
        "plane's five processes, over the same stretch. Steady: a window with nothing "
        "changing that holds one periodic pass of every unit. Edit→healed: a Deployment "
        "scaled to 3 through its scale subresource until an event shows 1 again.",
        "",
        *table(results),
        "",
        "Flux's figure over gitopsd's (above 1: gitopsd needed less):",
        "",
        *ratios(results),
        "",
        "Targets of issue 15 (printed, not asserted):",
        "",
        *targets(results),
        *_analysis(),
        END,
    ]


def _analysis() -> list[str]:
    """The investigation of where gitopsd's time went (issue 15, item 4), kept beside this
    module and printed under the table."""
    path = Path(__file__).with_name("where-the-time-goes.md")
    return ["", *path.read_text().rstrip().splitlines()] if path.exists() else []


def write_section(path: Path, results: dict[str, Any]) -> None:
    """Replace the marked section of ``path`` (or append it)."""
    text = path.read_text() if path.exists() else ""
    block = "\n".join(section(results))
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + block
    )
    path.write_text(text.rstrip() + "\n")


def main() -> None:
    """``python -m bench.flux.report RESULTS.json [bench/RESULTS.md]``: print the
    comparison of a (possibly partial) ``--json`` file, and write it into RESULTS.md."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("json", type=Path)
    parser.add_argument("results", type=Path, nargs="?")
    args = parser.parse_args()
    results = json.loads(args.json.read_text())
    print(summary(results))
    if args.results:
        write_section(args.results, results)


if __name__ == "__main__":
    main()
