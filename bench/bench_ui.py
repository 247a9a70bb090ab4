"""The web UI at scale, in a real browser (Debian's Chromium through Playwright):
N Applications with realistic status (as ``bench_server`` writes them), then

- the application list: time from navigation start to the first page of tiles painted
  (the UI's ``gitopsd:list-painted`` performance mark, and the tile visible as Playwright
  sees it), cold (first visit) and warm, in tiles and in table view with 200 rows;
- a status change written to the API server until the open page shows it, on the list
  and on an application's page (the stream, the page's re-render, the paint);
- the page's JavaScript heap with every application loaded.

Targets (issue 13): the list paints in under 1 s; a change reaches an open page in
under 2 s. Prints numbers; asserts nothing. ``.venv/bin/python bench/bench_ui.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_server import NAMESPACE, create_apps
from bench.support import (
    REPO_ROOT,
    kubectl,
    local_cluster,
    machine,
    put_testbed_on_path,
    stop_cleanly_on_sigterm,
    wait_until,
    write_json,
)
from playwright.sync_api import Page
from tests.support.browser import chromium, ui_page
from tests.support.kube import Kubectl
from tests.support.server import admin_password, start_server

from gitopsd.cluster import KubeCluster, from_kubeconfig
from gitopsd.model.keys import ResourceKey

LIST_TARGET_MS = 1000.0
CHANGE_TARGET_MS = 2000.0
PAINTED = "() => performance.getEntriesByName('gitopsd:list-painted').length > 0"


MARKS = """() => Object.fromEntries(
  ['gitopsd:stream-open', 'gitopsd:list-loaded', 'gitopsd:list-painted'].map(
    (name) => [name.split(':')[1], performance.getEntriesByName(name)[0]?.startTime ?? null]))"""


def list_render(page: Page, base: str, path: str) -> dict[str, float]:
    """One visit: navigation start → painted mark, and → first tile visible (client)."""
    started = time.perf_counter()
    page.goto(base + path, wait_until="commit")
    page.wait_for_function(PAINTED, timeout=30_000)
    page.locator("[data-key]").first.wait_for(state="visible", timeout=30_000)
    seen = (time.perf_counter() - started) * 1000
    marks = page.evaluate(MARKS)
    return {
        "painted_ms": float(marks["list-painted"]),
        "stream_open_ms": float(marks["stream-open"] or 0),
        "list_loaded_ms": float(marks["list-loaded"]),
        "visible_ms": seen,
    }


def render_rounds(page: Page, base: str, path: str, rounds: int) -> dict[str, float]:
    visits = [list_render(page, base, path) for _ in range(rounds)]
    painted = [v["painted_ms"] for v in visits[1:]]
    visible = [v["visible_ms"] for v in visits[1:]]
    return {
        "stream_open_p50_ms": statistics.median(v["stream_open_ms"] for v in visits[1:]),
        "list_loaded_p50_ms": statistics.median(v["list_loaded_ms"] for v in visits[1:]),
        "cold_painted_ms": visits[0]["painted_ms"],
        "cold_visible_ms": visits[0]["visible_ms"],
        "painted_p50_ms": statistics.median(painted),
        "painted_max_ms": max(painted),
        "visible_p50_ms": statistics.median(visible),
    }


def change_latency(
    page: Page, cluster: KubeCluster, names: list[str], shown: str
) -> dict[str, float]:
    """Status patch acknowledged → the page's DOM shows it (polled every frame)."""
    delays, in_page = [], []
    for index, name in enumerate(names):
        marker = f"bench change {index} {time.time_ns()}"
        health = "Degraded" if index % 2 == 0 else "Progressing"
        key = ResourceKey("gitopsd.io", "Application", NAMESPACE, name)
        written = time.perf_counter()
        cluster.patch_status(key, {"health": {"status": health, "message": marker}})
        seen = page.wait_for_function(
            shown,
            arg={"name": name, "health": health, "marker": marker},
            polling="raf",
            timeout=10_000,
        ).json_value()
        delays.append((time.perf_counter() - written) * 1000)
        in_page.append(float(seen["now"]) - float(seen["event"]))
        time.sleep(0.3)
    return {
        "p50_ms": statistics.median(delays),
        "max_ms": max(delays),
        "event_to_dom_p50_ms": statistics.median(in_page),
        "rounds": len(delays),
    }


# Each returns, once the page shows the change, when (page clock) and when the last
# stream event arrived, so the time spent in the browser is told apart.
SEEN = (
    "({now: performance.now(), event: performance.getEntriesByName('gitopsd:event')[0].startTime})"
)
TILE_SHOWS = f"""({{name, health}}) => {{
  const tile = document.querySelector(`[data-key$="/${{name}}"]`);
  return tile && tile.textContent.includes(health) ? {SEEN} : null;
}}"""
APP_PAGE_SHOWS = f"""({{health, marker}}) => {{
  const card = document.querySelector('[aria-label="Health"]');
  const shown = card && card.textContent.includes(health) && card.textContent.includes(marker);
  return shown ? {SEEN} : null;
}}"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--json")
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    put_testbed_on_path()
    results: dict[str, Any] = {"machine": machine(), "apps": args.apps}
    with local_cluster(f"bench-ui-{os.getpid()}") as kubeconfig:
        kube = Kubectl(kubeconfig)
        kubectl(kubeconfig, "apply", "--server-side", "-f", str(REPO_ROOT / "crds"))
        kubectl(kubeconfig, "create", "namespace", NAMESPACE)
        created = create_apps(kubeconfig, args.apps)
        print(f"{args.apps} Applications with status written in {created:.1f}s", flush=True)
        running = start_server(
            NAMESPACE, Path(tempfile.mkdtemp(prefix="bench-ui-")), kubeconfig=kubeconfig
        )
        cluster = KubeCluster(from_kubeconfig(kubeconfig))
        try:
            password = admin_password(kube, NAMESPACE)
            admin = running.api().as_user("admin", password)
            wait_until(
                lambda: len(admin.get("/api/v1/applications").json()["items"]) == args.apps,
                timeout=60,
                interval=0.5,
                what="every Application in the server's cache",
            )
            base = f"http://127.0.0.1:{running.port}"
            with chromium() as browser, ui_page(browser, base, "bench") as ui:
                ui.sign_in("admin", password)
                results["list_tiles"] = render_rounds(ui.page, base, "/applications", args.rounds)
                results["list_table_200"] = render_rounds(
                    ui.page, base, "/applications?view=table&size=200", args.rounds
                )
                results["js_heap_mib"] = ui.evaluate(
                    "() => performance.memory ? performance.memory.usedJSHeapSize / 1048576 : null"
                )
                ui.goto("/applications")
                ui.page.wait_for_function(PAINTED)
                results["change_on_list"] = change_latency(
                    ui.page, cluster, [f"app-{i:04d}" for i in range(0, 40, 4)], TILE_SHOWS
                )
                ui.goto(f"/applications/{NAMESPACE}/app-0007")
                ui.page.get_by_role("region", name="Health").wait_for()
                results["change_on_app_page"] = change_latency(
                    ui.page, cluster, ["app-0007"] * 6, APP_PAGE_SHOWS
                )
                ui.shot("list-1000")
        finally:
            running.stop()
            kubectl(kubeconfig, "delete", "namespace", NAMESPACE, "--wait=false")
    report(results)
    write_json(args.json, results)
    return 0


def verdict(value: float, target: float) -> str:
    return "within" if value < target else "OVER"


def report(results: dict[str, Any]) -> None:
    for name in ("list_tiles", "list_table_200"):
        r = results[name]
        print(
            f"{name}: stream open p50 {r['stream_open_p50_ms']:.0f} ms, list loaded p50 "
            f"{r['list_loaded_p50_ms']:.0f} ms after navigation start"
        )
        print(
            f"{name}: navigation to list painted cold {r['cold_painted_ms']:.0f} ms, warm p50 "
            f"{r['painted_p50_ms']:.0f} ms (max {r['painted_max_ms']:.0f} ms); first row visible"
            f" to the client p50 {r['visible_p50_ms']:.0f} ms "
            f"[{verdict(r['cold_painted_ms'], LIST_TARGET_MS)} the 1 s target]"
        )
    for name in ("change_on_list", "change_on_app_page"):
        r = results[name]
        print(
            f"{name}: status patch to page showing it p50 {r['p50_ms']:.0f} ms, max "
            f"{r['max_ms']:.0f} ms over {r['rounds']} changes (stream event to DOM p50 "
            f"{r['event_to_dom_p50_ms']:.0f} ms) "
            f"[{verdict(r['max_ms'], CHANGE_TARGET_MS)} the 2 s target]"
        )
    heap = results.get("js_heap_mib")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"page JS heap with {results['apps']} apps: {json.dumps(heap)} MiB")


if __name__ == "__main__":
    sys.exit(main())
