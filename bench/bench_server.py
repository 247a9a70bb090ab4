"""``gitopsd server`` at scale: N Applications with realistic status, then

- the application list's latency, server-side (the ``Server-Timing`` header: RBAC filter,
  query filters and JSON encoding) and as the client sees it on loopback, for the admin
  and for a user whose policy lets them see one project in ten;
- the time from a status change written to the API server to the matching Server-Sent
  Event at an open ``/api/v1/stream/applications`` client;
- the server's RSS with every cache filled.

No controller runs: statuses are written directly, as the controller would. Prints
numbers; asserts nothing. ``.venv/bin/python bench/bench_server.py [--apps 1000]``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import memory_mib
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
from tests.support.kube import Kubectl
from tests.support.server import Api, admin_password, set_password, start_server

from gitopsd.cluster import KubeCluster, from_kubeconfig
from gitopsd.model.keys import ResourceKey

NAMESPACE = f"bench-server-{os.getpid()}"
PROJECTS = 10


def application(index: int) -> dict[str, Any]:
    project = f"team-{index % PROJECTS}"
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": f"app-{index:04d}",
            "namespace": NAMESPACE,
            "labels": {"team": project, "tier": "web" if index % 2 else "api"},
        },
        "spec": {
            "project": project,
            "source": {
                "repoURL": "https://git.example.com/platform/apps.git",
                "targetRevision": "main",
                "path": f"apps/app-{index:04d}/overlays/production",
            },
            "destination": {"server": "https://kubernetes.default.svc", "namespace": project},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
        },
    }


def status(index: int, health: str = "Healthy") -> dict[str, Any]:
    name = f"app-{index:04d}"
    namespace = f"team-{index % PROJECTS}"
    resources = [
        {"group": group, "version": "v1", "kind": kind, "namespace": namespace,
         "name": name, "status": "Synced", "health": {"status": "Healthy"}}
        for group, kind in (("apps", "Deployment"), ("", "Service"), ("", "ConfigMap"),
                            ("", "ServiceAccount"))
    ]  # fmt: skip
    revision = f"{index:040x}"[-40:]
    history = [
        {"id": i, "revision": revision, "deployedAt": "2026-01-01T00:00:00Z",
         "deployStartedAt": "2026-01-01T00:00:00Z", "author": "Dev <dev@example.com>",
         "message": "bump image", "initiatedBy": {"automated": True},
         "source": application(index)["spec"]["source"]}
        for i in range(2)
    ]  # fmt: skip
    return {
        "sync": {"status": "Synced", "revision": revision},
        "health": {"status": health},
        "resources": resources,
        "history": history,
        "summary": {"images": [f"registry.example.com/{name}:1.0.{index}"]},
        "reconciledAt": "2026-01-01T00:00:00Z",
    }


def create_apps(kubeconfig: str, count: int) -> float:
    started = time.monotonic()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(
            {"apiVersion": "v1", "kind": "List", "items": [application(i) for i in range(count)]},
            handle,
        )
    kubectl(kubeconfig, "apply", "--server-side", "-f", handle.name)
    os.unlink(handle.name)
    cluster = KubeCluster(from_kubeconfig(kubeconfig))

    def write(index: int) -> None:
        key = ResourceKey("gitopsd.io", "Application", NAMESPACE, f"app-{index:04d}")
        cluster.patch_status(key, status(index))

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(count)))
    return time.monotonic() - started


def list_latency(api: Api, rounds: int) -> dict[str, float]:
    server, client, counts = [], [], set()
    for _ in range(rounds):
        started = time.perf_counter()
        answer = api.get("/api/v1/applications")
        client.append((time.perf_counter() - started) * 1000)
        timing = answer.headers.get("Server-Timing", "list;dur=nan")
        server.append(float(timing.split("dur=")[1]))
        counts.add(len(answer.json()["items"]))
    return {
        "items": float(max(counts)),
        "first_server_ms": server[0],
        "server_p50_ms": statistics.median(server[1:]),
        "server_max_ms": max(server[1:]),
        "client_p50_ms": statistics.median(client[1:]),
        "bytes": float(len(answer.body)),
    }


def stream_latency(api: Api, kubeconfig: str, changes: int) -> dict[str, float]:
    """Time from a status patch (acknowledged by the API server) to the SSE event."""
    cluster = KubeCluster(from_kubeconfig(kubeconfig))
    arrived: dict[str, float] = {}
    ready = threading.Event()

    def listen() -> None:
        version = api.get("/api/v1/applications", query={"name": "app-0000"}).json()
        query = {"resourceVersion": version["metadata"]["resourceVersion"] or "1"}
        ready.set()
        for event in api.events("/api/v1/stream/applications", query, timeout=60):
            app = event["result"]["application"]
            marker = (app.get("status") or {}).get("health", {}).get("message", "")
            if marker and marker not in arrived:
                arrived[marker] = time.monotonic()
            if len(arrived) >= changes:
                return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    ready.wait(30)
    time.sleep(1.0)  # the stream's request is open
    delays = []
    for round_ in range(changes):
        marker = f"change-{round_}"
        key = ResourceKey("gitopsd.io", "Application", NAMESPACE, f"app-{round_ * 7:04d}")
        written = time.monotonic()
        cluster.patch_status(key, {"health": {"status": "Degraded", "message": marker}})
        wait_until(
            lambda m=marker: m in arrived, timeout=10, interval=0.005, what=f"the event {marker}"
        )
        delays.append((arrived[marker] - written) * 1000)
        time.sleep(0.2)
    return {"p50_ms": statistics.median(delays), "max_ms": max(delays)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    put_testbed_on_path()
    results: dict[str, Any] = {"machine": machine(), "apps": args.apps}
    with local_cluster(f"bench-server-{os.getpid()}") as kubeconfig:
        kube = Kubectl(kubeconfig)
        kubectl(kubeconfig, "apply", "--server-side", "-f", str(REPO_ROOT / "crds"))
        kubectl(kubeconfig, "create", "namespace", NAMESPACE)
        kube.apply(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "List",
                    "items": [
                        {"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": "gitopsd-cm", "namespace": NAMESPACE},
                         "data": {"accounts.alice": "login"}},
                        {"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": "gitopsd-rbac-cm", "namespace": NAMESPACE},
                         "data": {"policy.csv": "p, role:team-3, applications, *, team-3/*, allow\n"
                                                "g, alice, role:team-3\n"}},
                    ],
                }
            )
        )  # fmt: skip
        created = create_apps(kubeconfig, args.apps)
        print(f"{args.apps} Applications with status written in {created:.1f}s", flush=True)
        workdir = Path(tempfile.mkdtemp(prefix="bench-server-"))
        running = start_server(NAMESPACE, workdir, kubeconfig=kubeconfig)
        try:
            set_password(kube, NAMESPACE, "alice", "alice-password")
            admin = running.api().as_user("admin", admin_password(kube, NAMESPACE))
            wait_until(
                lambda: len(admin.get("/api/v1/applications").json()["items"]) == args.apps,
                timeout=60,
                interval=0.5,
                what="every Application in the server's cache",
            )
            results["list_admin"] = list_latency(admin, args.rounds)
            wait_until(
                lambda: running.api().sign_in("alice", "alice-password").status == 200,
                timeout=30,
                interval=0.5,
                what="alice's password to be read",
            )
            alice = running.api().as_user("alice", "alice-password")
            results["list_one_project"] = list_latency(alice, args.rounds)
            results["stream"] = stream_latency(admin, kubeconfig, 10)
            results["rss_mib"] = memory_mib(running.process.pid)
        finally:
            running.stop()
            kubectl(kubeconfig, "delete", "namespace", NAMESPACE, "--wait=false")
    for name in ("list_admin", "list_one_project"):
        r = results[name]
        print(
            f"{name}: {int(r['items'])} items, {r['bytes'] / 1e6:.1f} MB; server-side first "
            f"{r['first_server_ms']:.0f} ms, p50 {r['server_p50_ms']:.0f} ms, max "
            f"{r['server_max_ms']:.0f} ms; client p50 {r['client_p50_ms']:.0f} ms"
        )
    print(
        f"status change to SSE client: p50 {results['stream']['p50_ms']:.0f} ms, "
        f"max {results['stream']['max_ms']:.0f} ms"
    )
    print(f"server memory: {json.dumps(results['rss_mib'])} MiB")
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
