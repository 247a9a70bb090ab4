"""Scale benchmark (issue 5): N Applications of 4 objects each, one controller process.

Modelled on Flux's public benchmark: every app is a Deployment, a Service, a ConfigMap and
a ServiceAccount in its own path of ONE local bare repository; the apps live in one
namespace and deploy into ten. For each size a fresh local cluster (one kwok node per
100 pods, plus one) and a fresh ``gitopsd run --workers 8`` are started, every
Application is created at once, and this script measures:

- the time until all are Synced and Healthy (progress printed every 10 s);
- the controller's steady-state CPU over 30 s after that (``/proc/<pid>/stat``) and the
  API requests it made meanwhile, its RSS (VmRSS) and peak RSS (VmHWM);
- reconcile p50/p99 from the ``gitopsd_app_reconcile_seconds`` histogram;
- webhook-to-synced: a commit changes one app's image, a generic webhook announces it,
  time until that Deployment shows the new image (and until every app shows the commit);
- edit-to-healed: ``kubectl scale`` a Deployment, time until replicas are back (three
  apps, one after the other; the median is reported).

Run: ``.venv/bin/python bench/bench_scale.py [--sizes 100,500,1000 | --quick]
[--json out.json]``. With ``KUBECONFIG`` set, that cluster is used and left running.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # for bench.* and tests.support

from bench.measure import cpu_times, histogram, memory_mib, summed_by  # noqa: E402
from bench.support import (  # noqa: E402
    kubectl,
    local_cluster,
    put_testbed_on_path,
    stop_cleanly_on_sigterm,
    wait_until,
    write_json,
)
from tests.support.controller import RunningController, start_controller  # noqa: E402
from tests.support.crds import install_crds  # noqa: E402
from tests.support.gitserver import BareRepo, bare_repo  # noqa: E402
from tests.support.kube import Kubectl  # noqa: E402

from gitopsd.cluster import KubeCluster, from_kubeconfig  # noqa: E402
from gitopsd.errors import GitopsdError  # noqa: E402
from gitopsd.model.keys import GroupKind, ResourceKey  # noqa: E402

APPLICATION = GroupKind("gitopsd.io", "Application")
DEST_NAMESPACES = 10
SYNC_TIMEOUT = 15 * 60.0
STALL_SECONDS = 180.0
STEADY_SECONDS = 30.0
LATENCY_TIMEOUT = 300.0
IMAGE = "registry.example.com/podinfo"
# The generic webhook's secret: only a signed push is answered with how many apps it
# refreshed (an unsigned one is answered with nothing but "accepted").
WEBHOOK_SECRET = "bench-webhook-secret"


def app_name(index: int) -> str:
    return f"app-{index:04d}"


def app_objects(index: int, tag: str = "6.0.0") -> str:
    name = app_name(index)
    labels = {"app": name}
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}},
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name},
            "data": {"PODINFO_UI_MESSAGE": f"hello from {name}"},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name},
            # Headless: the local cluster's service CIDR holds only ~250 ClusterIPs.
            "spec": {
                "clusterIP": "None",
                "selector": labels,
                "ports": [{"port": 80, "targetPort": 9898}],
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": name,
                        "containers": [
                            {
                                "name": "podinfo",
                                "image": f"{IMAGE}:{tag}",
                                "envFrom": [{"configMapRef": {"name": name}}],
                                "ports": [{"containerPort": 9898}],
                            }
                        ],
                    },
                },
            },
        },
    ]
    return yaml.safe_dump_all(objects, sort_keys=True)


def build_repo(workdir: Path, count: int) -> BareRepo:
    repo = bare_repo(workdir, "fleet")
    files: dict[str, str | None] = {
        f"apps/{app_name(i)}/app.yaml": app_objects(i) for i in range(count)
    }
    repo.commit(files, f"{count} apps")
    return repo


def dest_namespace(count: int, index: int) -> str:
    return f"bench-{count}-{index % DEST_NAMESPACES:02d}"


def applications(count: int, app_namespace: str, repo_url: str) -> str:
    docs = []
    for index in range(count):
        docs.append(
            {
                "apiVersion": "gitopsd.io/v1alpha1",
                "kind": "Application",
                "metadata": {"name": app_name(index), "namespace": app_namespace},
                "spec": {
                    "project": "default",
                    "source": {
                        "repoURL": repo_url,
                        "targetRevision": "main",
                        "path": f"apps/{app_name(index)}",
                    },
                    "destination": {
                        "server": "https://kubernetes.default.svc",
                        "namespace": dest_namespace(count, index),
                    },
                    "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
                },
            }
        )
    return yaml.safe_dump_all(docs, sort_keys=True)


# --- observing ------------------------------------------------------------------------
class Fleet:
    """What the benchmark reads from the cluster (its own client, not the controller's)."""

    def __init__(self, kubeconfig: str, app_namespace: str, count: int) -> None:
        self.cluster = KubeCluster(from_kubeconfig(kubeconfig))
        self.app_namespace = app_namespace
        self.count = count

    def states(self) -> tuple[Counter[str], str]:
        """Counts of Synced, Healthy, both, and failed operations; one failure message."""
        counts: Counter[str] = Counter()
        failure = ""
        for app in self.cluster.list(APPLICATION, namespace=self.app_namespace):
            status = app.get("status") or {}
            sync = (status.get("sync") or {}).get("status")
            health = (status.get("health") or {}).get("status")
            counts["Synced"] += sync == "Synced"
            counts["Healthy"] += health == "Healthy"
            counts["ready"] += sync == "Synced" and health == "Healthy"
            operation = status.get("operationState") or {}
            if operation.get("phase") in ("Failed", "Error"):
                counts["failed"] += 1
                failure = failure or str(operation.get("message", ""))
        return counts, failure

    def revisions(self) -> Counter[str]:
        apps = self.cluster.list(APPLICATION, namespace=self.app_namespace)
        return Counter(
            str(((a.get("status") or {}).get("sync") or {}).get("revision")) for a in apps
        )

    def deployment(self, index: int) -> dict[str, Any]:
        key = ResourceKey("apps", "Deployment", dest_namespace(self.count, index), app_name(index))
        return self.cluster.get(key) or {}


def image_of(deployment: dict[str, Any]) -> str:
    containers = deployment.get("spec", {}).get("template", {}).get("spec", {}).get("containers")
    return str((containers or [{}])[0].get("image", ""))


def wait_all_ready(fleet: Fleet, ctl: RunningController, started: float) -> dict[str, Any]:
    """Poll until every app is Synced and Healthy; print progress every 10 s. Gives up
    after SYNC_TIMEOUT, or after STALL_SECONDS without progress while syncs fail."""
    interval = max(2.0, fleet.count / 200)
    last_print, best, best_at = 0.0, -1, started
    while True:
        states, failure = fleet.states()
        now = time.monotonic()
        elapsed = now - started
        if states["ready"] >= fleet.count:
            return {"seconds": elapsed, "ready": states["ready"], "timed_out": False}
        if ctl.process.poll() is not None:
            raise RuntimeError(f"controller exited:\n{ctl.log()[-4000:]}")
        if states["ready"] > best:
            best, best_at = states["ready"], now
        if elapsed - last_print >= 10:
            last_print = elapsed
            print(f"  {elapsed:6.0f} s: {_progress(fleet.count, states, ctl)}", flush=True)
        stalled = states["failed"] and now - best_at > STALL_SECONDS
        if elapsed > SYNC_TIMEOUT or stalled:
            why = f"stalled; a failed sync says: {failure}" if stalled else "timed out"
            return {"seconds": elapsed, "ready": states["ready"], "timed_out": True, "why": why}
        time.sleep(interval)


def _progress(count: int, states: Counter[str], ctl: RunningController) -> str:
    rss = memory_mib(ctl.process.pid).get("VmRSS", 0.0)
    cpu = cpu_times(ctl.process.pid)
    return (
        f"{states['ready']}/{count} Synced+Healthy ({states['Synced']} Synced, "
        f"{states['Healthy']} Healthy, {states['failed']} failed syncs); controller RSS "
        f"{rss:.0f} MiB, CPU {cpu.own:.0f} s (+{cpu.children:.0f} s children); "
        f"load {os.getloadavg()[0]:.1f}"
    )


def steady_state(ctl: RunningController) -> dict[str, Any]:
    """CPU share and API requests over STEADY_SECONDS of doing nothing new."""
    pid = ctl.process.pid
    before_cpu, before_requests = cpu_times(pid), _requests(ctl)
    started = time.monotonic()
    time.sleep(STEADY_SECONDS)
    elapsed = time.monotonic() - started
    after_cpu, after_requests = cpu_times(pid), _requests(ctl)
    return {
        "seconds": elapsed,
        "cpu_cores": (after_cpu.own - before_cpu.own) / elapsed,
        "children_cpu_cores": (after_cpu.children - before_cpu.children) / elapsed,
        "requests": {
            verb: after_requests.get(verb, 0) - before_requests.get(verb, 0)
            for verb in sorted(after_requests)
        },
    }


def _requests(ctl: RunningController) -> dict[str, float]:
    return summed_by(ctl.metrics(), "gitopsd_app_k8s_request_total", "verb")


def webhook_latency(
    fleet: Fleet, ctl: RunningController, repo: BareRepo, index: int
) -> dict[str, Any]:
    """Commit a new image for one app, announce it, time until its Deployment has it."""
    tag = "6.0.1"
    path = f"apps/{app_name(index)}/app.yaml"
    sha = repo.commit({path: app_objects(index, tag)}, f"{app_name(index)}: {tag}")
    body = json.dumps({"repoURL": repo.url, "ref": "refs/heads/main"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{ctl.webhook_port}/api/webhook",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {WEBHOOK_SECRET}"},
        method="POST",
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as response:
        refreshed = int(json.loads(response.read())["refreshed"])
    wait_until(
        lambda: image_of(fleet.deployment(index)) == f"{IMAGE}:{tag}",
        timeout=LATENCY_TIMEOUT,
        interval=0.1,
        what=f"{app_name(index)} to deploy {tag}",
    )
    seconds = time.monotonic() - started  # from the POST, which returns before the work
    wait_until(
        lambda: fleet.revisions().get(sha, 0) >= fleet.count,
        timeout=LATENCY_TIMEOUT,
        interval=1.0,
        what=f"every app to report revision {sha[:8]}",
    )
    everyone = time.monotonic() - started
    return {"seconds": seconds, "refreshed": refreshed, "all_apps_at_commit": everyone}


def heal_targets(count: int) -> list[int]:
    """Three apps spread over the fleet (not the one the webhook test changed)."""
    return sorted({1, count // 3 + 1, 2 * count // 3 + 1} - {count // 2})


def heal_latency(fleet: Fleet, kubeconfig: str, index: int) -> dict[str, Any]:
    namespace, name = dest_namespace(fleet.count, index), app_name(index)
    kubectl(kubeconfig, "-n", namespace, "scale", "deployment", name, "--replicas=3")
    _, seconds = wait_until(
        lambda: fleet.deployment(index).get("spec", {}).get("replicas") == 1,
        timeout=LATENCY_TIMEOUT,
        interval=0.1,
        what=f"{name} replicas back to 1",
    )
    return {"seconds": seconds}


# --- one size -------------------------------------------------------------------------
def prepare(kubeconfig: str, count: int, app_namespace: str) -> None:
    install_crds(Kubectl(kubeconfig))
    names = [app_namespace] + [f"bench-{count}-{i:02d}" for i in range(DEST_NAMESPACES)]
    manifest = "".join(
        f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {n}\n" for n in names
    )
    kubectl(kubeconfig, "apply", "-f", "-", stdin=manifest)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "gitopsd-secret", "namespace": app_namespace},
        "stringData": {"webhook.generic.secret": WEBHOOK_SECRET},
    }
    kubectl(kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump(secret))


def measure(kubeconfig: str, count: int, ctl: RunningController, repo: BareRepo) -> dict[str, Any]:
    app_namespace = ctl.namespace
    fleet = Fleet(kubeconfig, app_namespace, count)
    results: dict[str, Any] = {"apps": count, "objects": count * 4}
    # Other work on the machine shows here: the control plane alone keeps it near 1.
    results["load_before"] = os.getloadavg()[0]
    started = time.monotonic()
    kubectl(kubeconfig, "create", "-f", "-", stdin=applications(count, app_namespace, repo.url))
    results["create_seconds"] = time.monotonic() - started
    print(f"  {count} Applications created in {results['create_seconds']:.1f} s", flush=True)
    results["sync"] = wait_all_ready(fleet, ctl, started)
    cpu = cpu_times(ctl.process.pid)
    results["sync"]["controller_cpu_seconds"] = cpu.own
    results["sync"]["children_cpu_seconds"] = cpu.children
    results["sync"]["load_at_end"] = os.getloadavg()[0]
    state = f"{results['sync'].get('why', '').upper()}:" if results["sync"]["timed_out"] else "all"
    print(
        f"  {state} {results['sync']['ready']}/{count} Synced+Healthy after "
        f"{results['sync']['seconds']:.1f} s (controller CPU {cpu.own:.0f} s, "
        f"children {cpu.children:.0f} s)",
        flush=True,
    )
    results["steady"] = steady_state(ctl)
    results["memory_mib"] = memory_mib(ctl.process.pid)
    print(
        f"  steady state over {STEADY_SECONDS:.0f} s: {results['steady']['cpu_cores']:.3f} "
        f"cores (+{results['steady']['children_cpu_cores']:.3f} children); requests "
        f"{results['steady']['requests']}; RSS {results['memory_mib']['VmRSS']:.0f} MiB",
        flush=True,
    )
    if not results["sync"]["timed_out"]:
        results["webhook"] = webhook_latency(fleet, ctl, repo, count // 2)
        print(
            f"  webhook to synced: {results['webhook']['seconds']:.2f} s "
            f"({results['webhook']['refreshed']} apps refreshed; all at the new commit after "
            f"{results['webhook']['all_apps_at_commit']:.1f} s)",
            flush=True,
        )
        samples = [heal_latency(fleet, kubeconfig, i)["seconds"] for i in heal_targets(count)]
        results["heal"] = {"seconds": statistics.median(samples), "samples": samples}
        print(
            f"  edit to healed: median {results['heal']['seconds']:.2f} s "
            f"({', '.join(f'{s:.2f}' for s in samples)})",
            flush=True,
        )
    summary = histogram(ctl.metrics(), "gitopsd_app_reconcile_seconds")
    results["reconcile"] = {
        "count": summary.count,
        "mean": summary.mean,
        "p50": summary.p50,
        "p99": summary.p99,
        "top_bucket": summary.top_bucket,
    }
    results["memory_mib"] = memory_mib(ctl.process.pid)
    print(
        f"  reconciles: {summary.count}, mean {summary.mean:.3f} s, p50 {summary.p50:.3f} s, "
        f"p99 {summary.p99:.3f} s; RSS {results['memory_mib']['VmRSS']:.0f} MiB, "
        f"peak {results['memory_mib']['VmHWM']:.0f} MiB",
        flush=True,
    )
    return results


def run_size(count: int, workdir: Path) -> dict[str, Any]:
    print(f"== {count} applications x 4 objects", flush=True)
    repo = build_repo(workdir, count)
    nodes = count // 100 + 2  # kwok nodes hold 110 pods each
    with local_cluster(f"bench-scale-{count}", nodes=nodes) as kubeconfig:
        app_namespace = f"bench-apps-{count}"
        prepare(kubeconfig, count, app_namespace)
        # KUBECONFIG in the environment too: `gitopsd run` imports kopf (and with it the
        # kubernetes client, which reads KUBECONFIG once at import) before it exports
        # --kubeconfig, so kopf's login would not find the cluster otherwise.
        ctl = start_controller(
            app_namespace,
            workdir / "ctl",
            kubeconfig=kubeconfig,
            extra_args=("--workers", "8"),
            env={"KUBECONFIG": kubeconfig},
        )
        try:
            results = measure(kubeconfig, count, ctl, repo)
        except (TimeoutError, RuntimeError, GitopsdError) as error:
            print(f"  FAILED: {error}", flush=True)
            results = {"apps": count, "error": str(error)}
        finally:
            ctl.stop()
        names = [app_namespace] + [f"bench-{count}-{i:02d}" for i in range(DEST_NAMESPACES)]
        kubectl(kubeconfig, "delete", "namespace", *names, "--wait=false")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,500,1000", help="comma-separated app counts")
    parser.add_argument("--quick", action="store_true", help="100 apps only")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    sizes = [100] if args.quick else [int(size) for size in args.sizes.split(",") if size]
    stop_cleanly_on_sigterm()
    put_testbed_on_path()
    results: dict[str, Any] = {"sizes": []}
    for count in sizes:
        with tempfile.TemporaryDirectory(prefix=f"gitopsd-scale-{count}-") as tmp:
            results["sizes"].append(run_size(count, Path(tmp)))
            write_json(args.json, results)  # keep what was measured if a later size fails
    failed = [r["apps"] for r in results["sizes"] if "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
