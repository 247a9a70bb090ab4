"""Sharding benchmark (issue 15): N Applications over three replicas against one replica.

The fleet is ``bench_scale.py``'s (every app a Deployment, a Service, a ConfigMap and a
ServiceAccount from one local bare repository, deployed into ten namespaces). Two fresh
local clusters, one after the other:

1. one ``gitopsd run`` (unsharded, as today): time until every app is Synced and
   Healthy, the controller's RSS and peak RSS once settled, its CPU seconds;
2. three ``gitopsd run --sharding`` replicas with the chart's Lease times (15 s lease,
   10 s renew deadline, 2 s retry period): the same, per replica; then
   - failover: one replica is killed (SIGKILL) and a Deployment of one of its apps is
     scaled by hand right after; seconds from its Lease expiring (renewTime +
     leaseDurationSeconds) to the Deployment back at 1 replica, and until every app it
     owned names a survivor in ``status.controller``;
   - join: a fourth replica starts; seconds until the apps it owns name it, and how long
     an edit made meanwhile to an app that stays put takes to heal;
   - double syncs: from every replica's audit log, Applications whose sync operations
     were started by two replicas while ownership did not move, and operations started
     while another replica's operation on the same app was still running: both must be 0.

Run: ``.venv/bin/python bench/bench_sharding.py [--apps 3000] [--json out.json]
[--markdown bench/RESULTS-sharding.md]``. Benchmarks print numbers; they never assert
timings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # for bench.* and tests.support

from bench.bench_scale import (  # noqa: E402
    APPLICATION,
    DEST_NAMESPACES,
    Fleet,
    app_name,
    applications,
    build_repo,
    dest_namespace,
    prepare,
)
from bench.measure import cpu_times, memory_mib  # noqa: E402
from bench.support import (  # noqa: E402
    kubectl,
    local_cluster,
    put_testbed_on_path,
    stop_cleanly_on_sigterm,
    wait_until,
    write_json,
)
from tests.support.controller import RunningController, start_controller  # noqa: E402
from tests.support.gitserver import BareRepo  # noqa: E402
from tests.support.sharding import lease_expiry  # noqa: E402

from gitopsd.model.keys import GroupKind  # noqa: E402
from gitopsd.sharding import application_key, make_view, owner  # noqa: E402
from gitopsd.sharding.leases import MEMBER_SELECTOR, parse_lease  # noqa: E402

LEASE = GroupKind("coordination.k8s.io", "Lease")
REPLICAS = ("gitopsd-0", "gitopsd-1", "gitopsd-2")
JOINER = "gitopsd-3"
# The chart's defaults: what production runs with.
LEASE_ARGS = ("--lease-duration", "15s", "--renew-deadline", "10s", "--retry-period", "2s")
SETTLE_SECONDS = 30.0
SYNC_TIMEOUT = 60 * 60.0


def start(kubeconfig: str, namespace: str, workdir: Path, replica: str | None) -> RunningController:
    sharding = ("--sharding", "--replica-id", replica, *LEASE_ARGS) if replica else ()
    return start_controller(
        namespace,
        workdir / (replica or "single"),
        kubeconfig=kubeconfig,
        extra_args=("--workers", "8", *sharding),
        env={"KUBECONFIG": kubeconfig},
    )


def wait_ready(fleet: Fleet, controllers: list[RunningController], started: float) -> float:
    last = 0.0
    while True:
        states, failure = fleet.states()
        elapsed = time.monotonic() - started
        if states["ready"] >= fleet.count:
            return elapsed
        for ctl in controllers:
            if ctl.process.poll() is not None:
                raise RuntimeError(f"a controller exited:\n{ctl.log()[-3000:]}")
        if elapsed - last >= 15:
            last = elapsed
            rss = [memory_mib(c.process.pid).get("VmRSS", 0.0) for c in controllers]
            print(
                f"  {elapsed:6.0f} s: {states['ready']}/{fleet.count} ready, "
                f"{states['failed']} failed; RSS {', '.join(f'{r:.0f}' for r in rss)} MiB; "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        if elapsed > SYNC_TIMEOUT:
            raise TimeoutError(f"not all ready after {elapsed:.0f} s ({failure})")
        time.sleep(max(2.0, fleet.count / 300))


def footprint(ctl: RunningController) -> dict[str, float]:
    cpu = cpu_times(ctl.process.pid)
    return {**memory_mib(ctl.process.pid), "cpu_seconds": cpu.own + cpu.children}


def writers(fleet: Fleet) -> dict[str, str]:
    apps = fleet.cluster.list(APPLICATION, namespace=fleet.app_namespace)
    return {
        a["metadata"]["name"]: str(
            ((a.get("status") or {}).get("controller") or {}).get("replica") or ""
        )
        for a in apps
    }


def owners(namespace: str, count: int, replicas: tuple[str, ...]) -> dict[str, str]:
    view = make_view(replicas)
    return {
        app_name(i): owner(application_key(namespace, app_name(i)), view) or ""
        for i in range(count)
    }


def operations(ctl: RunningController, replica: str) -> list[tuple[str, str, str, str]]:
    """(application, action, time, replica) for each operation start or end it logged."""
    found = []
    for line in ctl.log().splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        action = record.get("action")
        if action in ("OperationStarted", "OperationCompleted"):
            found.append((str(record["application"]), action, str(record["time"]), replica))
    return found


def double_syncs(
    logs: dict[str, list[tuple[str, str, str, str]]], moved: set[str]
) -> dict[str, int]:
    """Applications synced by two replicas without a handover between, and operations
    that began while another replica's operation on the same app was still open."""
    by_app: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    for entries in logs.values():
        for entry in entries:
            by_app[entry[0]].append(entry)
    shared = sum(
        1
        for app, entries in by_app.items()
        if app.rsplit("/", 1)[-1] not in moved and len({e[3] for e in entries}) > 1
    )
    overlapping = 0
    for entries in by_app.values():
        open_by: dict[str, int] = defaultdict(int)
        for _, action, _, replica in sorted(entries, key=lambda e: e[2]):
            if action == "OperationStarted":
                if any(n for r, n in open_by.items() if r != replica):
                    overlapping += 1
                open_by[replica] += 1
            elif open_by[replica]:
                open_by[replica] -= 1
    starts = sum(1 for e in logs.values() for x in e if x[1] == "OperationStarted")
    return {"shared_without_handover": shared, "overlapping": overlapping, "operations": starts}


def single(count: int, workdir: Path, repo: BareRepo) -> dict[str, Any]:
    print(f"== one replica, {count} applications", flush=True)
    with local_cluster(f"bench-shard1-{count}", nodes=count // 100 + 2) as kubeconfig:
        namespace = f"bench-apps-{count}"
        prepare(kubeconfig, count, namespace)
        ctl = start(kubeconfig, namespace, workdir, None)
        try:
            fleet = Fleet(kubeconfig, namespace, count)
            started = time.monotonic()
            kubectl(kubeconfig, "create", "-f", "-", stdin=applications(count, namespace, repo.url))
            seconds = wait_ready(fleet, [ctl], started)
            time.sleep(SETTLE_SECONDS)
            result = {"ready_seconds": seconds, **footprint(ctl)}
        finally:
            ctl.stop()
    print(f"  one replica: {json.dumps(result)}", flush=True)
    return result


def sharded(count: int, workdir: Path, repo: BareRepo) -> dict[str, Any]:
    print(f"== three replicas, {count} applications", flush=True)
    results: dict[str, Any] = {}
    with local_cluster(f"bench-shard3-{count}", nodes=count // 100 + 2) as kubeconfig:
        namespace = f"bench-apps-{count}"
        prepare(kubeconfig, count, namespace)
        replicas = {r: start(kubeconfig, namespace, workdir, r) for r in REPLICAS}
        try:
            fleet = Fleet(kubeconfig, namespace, count)
            started = time.monotonic()
            kubectl(kubeconfig, "create", "-f", "-", stdin=applications(count, namespace, repo.url))
            results["ready_seconds"] = wait_ready(fleet, list(replicas.values()), started)
            time.sleep(SETTLE_SECONDS)
            results["replicas"] = {r: footprint(c) for r, c in replicas.items()}
            share = owners(namespace, count, REPLICAS)
            results["shares"] = {r: sum(o == r for o in share.values()) for r in REPLICAS}
            results["writers_match"] = writers(fleet) == share
            print(f"  three replicas: {json.dumps(results)}", flush=True)
            results["failover"] = failover(kubeconfig, fleet, replicas, share)
            results["join"] = join(kubeconfig, fleet, replicas, workdir, repo)
            logs = {r: operations(c, r) for r, c in replicas.items()}
            moved = {n for n, o in share.items() if o == REPLICAS[-1]}
            joined = owners(namespace, count, (*REPLICAS[:2], JOINER))
            moved |= {n for n, o in joined.items() if o == JOINER}
            results["double_syncs"] = double_syncs(logs, moved)
            print(f"  double syncs: {json.dumps(results['double_syncs'])}", flush=True)
        finally:
            for ctl in replicas.values():
                ctl.stop()
        names = [namespace] + [f"bench-{count}-{i:02d}" for i in range(DEST_NAMESPACES)]
        kubectl(kubeconfig, "delete", "namespace", *names, "--wait=false")
    return results


def leases(fleet: Fleet) -> dict[str, dict[str, Any]]:
    items = fleet.cluster.list(LEASE, namespace=fleet.app_namespace, label_selector=MEMBER_SELECTOR)
    return {parse_lease(i).member: i for i in items}


def failover(
    kubeconfig: str,
    fleet: Fleet,
    replicas: dict[str, RunningController],
    share: dict[str, str],
) -> dict[str, Any]:
    victim = REPLICAS[-1]
    lost = sorted(n for n, o in share.items() if o == victim)
    index = int(lost[len(lost) // 2].rsplit("-", 1)[-1])
    replicas[victim].kill()
    killed = time.time()
    expiry = lease_expiry(leases(fleet)[victim])
    kubectl(
        kubeconfig,
        "-n",
        dest_namespace(fleet.count, index),
        "scale",
        "deployment",
        app_name(index),
        "--replicas=3",
    )
    wait_until(
        lambda: fleet.deployment(index).get("spec", {}).get("replicas") == 1,
        timeout=300,
        interval=0.1,
        what="the edit healed",
    )
    healed = time.time()
    survivors = owners(fleet.app_namespace, fleet.count, REPLICAS[:2])
    wait_until(lambda: writers(fleet) == survivors, timeout=600, interval=1.0, what="takeover")
    complete = time.time()
    result = {
        "lease_expiry_after_kill": expiry - killed,
        "healed_after_expiry": healed - expiry,
        "all_taken_over_after_expiry": complete - expiry,
        "apps_moved": len(lost),
    }
    print(f"  failover: {json.dumps(result)}", flush=True)
    return result


def join(
    kubeconfig: str,
    fleet: Fleet,
    replicas: dict[str, RunningController],
    workdir: Path,
    repo: BareRepo,
) -> dict[str, Any]:
    del repo
    members = (*REPLICAS[:2], JOINER)
    before = owners(fleet.app_namespace, fleet.count, REPLICAS[:2])
    after = owners(fleet.app_namespace, fleet.count, members)
    staying = next(i for i in range(fleet.count) if after[app_name(i)] == before[app_name(i)])
    started = time.monotonic()
    replicas[JOINER] = start(kubeconfig, fleet.app_namespace, workdir, JOINER)
    kubectl(
        kubeconfig,
        "-n",
        dest_namespace(fleet.count, staying),
        "scale",
        "deployment",
        app_name(staying),
        "--replicas=3",
    )
    edited = time.monotonic()
    _, heal = wait_until(
        lambda: fleet.deployment(staying).get("spec", {}).get("replicas") == 1,
        timeout=300,
        interval=0.1,
        what="the edit during the join healed",
    )
    wait_until(lambda: writers(fleet) == after, timeout=600, interval=1.0, what="rebalance")
    result = {
        "rebalanced_seconds": time.monotonic() - started,
        "edit_healed_during_join_seconds": heal,
        "edit_after_start_seconds": edited - started,
        "apps_moved": sum(1 for n in after if after[n] != before[n]),
        "joiner": footprint(replicas[JOINER]),
    }
    print(f"  join: {json.dumps(result)}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=int, default=3000)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--skip-single", action="store_true", help="only the sharded run")
    parser.add_argument("--markdown", help="also write a short report to this file")
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    put_testbed_on_path()
    results: dict[str, Any] = {"apps": args.apps, "load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="gitopsd-sharding-") as tmp:
        workdir = Path(tmp)
        repo = build_repo(workdir, args.apps)
        if not args.skip_single:
            results["single"] = single(args.apps, workdir / "one", repo)
            write_json(args.json, results)
        results["sharded"] = sharded(args.apps, workdir / "three", repo)
    if "single" in results:
        one = results["single"]["VmRSS"]
        results["rss_ratio"] = {
            r: values["VmRSS"] / one for r, values in results["sharded"]["replicas"].items()
        }
        print(f"  RSS of each replica / one replica's: {json.dumps(results['rss_ratio'])}")
    results["load_after"] = os.getloadavg()[0]
    write_json(args.json, results)
    if args.markdown:
        Path(args.markdown).write_text(markdown(results))
    return 0


def markdown(results: dict[str, Any]) -> str:
    """The report: one table per phase, every number as measured."""
    apps, three = results["apps"], results["sharded"]
    lines = [
        "# Sharding: N Applications on one replica and on three",
        "",
        f"Generated by `bench/bench_sharding.py --apps {apps}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; 1-minute load average "
        f"{results['load_before']:.1f} before, {results['load_after']:.1f} after (2 cores "
        "shared by the control plane, kwok, the controllers and other work).",
        "",
        "| run | all Synced+Healthy | RSS (peak) per process | CPU seconds per process |",
        "|---|---:|---:|---:|",
    ]
    if "single" in results:
        one = results["single"]
        lines.append(
            f"| one replica | {one['ready_seconds']:.0f} s | {one['VmRSS']:.0f} "
            f"({one['VmHWM']:.0f}) MiB | {one['cpu_seconds']:.0f} |"
        )
    for replica, values in three["replicas"].items():
        share = three["shares"][replica]
        lines.append(
            f"| {replica} of three ({share} apps) | {three['ready_seconds']:.0f} s | "
            f"{values['VmRSS']:.0f} ({values['VmHWM']:.0f}) MiB | {values['cpu_seconds']:.0f} |"
        )
    failover, join, doubles = three["failover"], three["join"], three["double_syncs"]
    lines += [
        "",
        f"- every Application's `status.controller.replica` named its owner: "
        f"{three['writers_match']}",
        f"- failover (SIGKILL one replica owning {failover['apps_moved']} apps; its Lease "
        f"expired {failover['lease_expiry_after_kill']:.1f} s after the kill): a Deployment "
        f"scaled by hand right after the kill was healed "
        f"{failover['healed_after_expiry']:.1f} s after the Lease expired; all its apps "
        f"named a survivor {failover['all_taken_over_after_expiry']:.1f} s after",
        f"- join (a fourth replica, {join['apps_moved']} apps move to it): rebalanced in "
        f"{join['rebalanced_seconds']:.1f} s from its start; an edit to an app that stays "
        f"put, made meanwhile, healed in {join['edit_healed_during_join_seconds']:.1f} s",
        f"- double syncs: {doubles['shared_without_handover']} apps synced by two replicas "
        f"without a handover between, {doubles['overlapping']} operations started while "
        f"another replica's was open ({doubles['operations']} operations in all)",
    ]
    if "rss_ratio" in results:
        ratios = ", ".join(f"{r}: {v:.2f}" for r, v in results["rss_ratio"].items())
        lines.append(f"- RSS of each replica / the single replica's: {ratios}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
