"""Reconcile benchmark (issue 4): one Application of 50 objects, driven through the core.

The ``Reconciler`` runs in this process over a ``KubeCluster`` that counts every request
by verb (GET, LIST, dry-run PATCH, real PATCH/POST/PUT/DELETE). Pass 1 diffs everything
and records the automated operation (nothing is written before the operation is);
the passes after it apply and run until the operation has finished and the Application
is Synced and Healthy. Then:

- pass 2, with nothing changed, must make no dry-run and no write call at all. That is a
  correctness property (incremental reconciliation), so a violation exits non-zero;
- pass 3 follows a ``kubectl scale`` of one Deployment: one prediction and one write.

Timings are printed, never asserted. Run: ``.venv/bin/python bench/bench_reconcile.py
[--quick] [--json out.json]``; starts its own cluster unless ``KUBECONFIG`` is set.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # for bench.support and tests.support

from bench.support import (  # noqa: E402
    kubectl,
    local_cluster,
    put_testbed_on_path,
    stop_cleanly_on_sigterm,
    write_json,
)
from tests.support.gitserver import bare_repo  # noqa: E402

from gitopsd.cluster import KubeCluster, from_kubeconfig  # noqa: E402
from gitopsd.health import HealthAssessor  # noqa: E402
from gitopsd.operator.clusters import ClusterRegistry  # noqa: E402
from gitopsd.operator.environment import ControllerEnvironment  # noqa: E402
from gitopsd.ports import SystemClock  # noqa: E402
from gitopsd.render import CachedRenderer, ManifestGenerator  # noqa: E402
from gitopsd.source import GitRepositories  # noqa: E402
from gitopsd.sync.environment import ReconcileSettings  # noqa: E402
from gitopsd.sync.reconciler import Reconciler, ReconcileResult  # noqa: E402

DEST_NAMESPACE = "bench-reconcile"
WRITES = ("PATCH", "POST", "PUT", "DELETE")
# Categories in print order.
REPLICAS = ("-o", "jsonpath={.spec.replicas}")
CATEGORIES = ("GET", "LIST", "dry-run", "PATCH", "POST", "PUT", "DELETE")


class CountingCluster(KubeCluster):
    """A KubeCluster that also sorts each request into a category (it sees the query,
    which the ``on_request`` hook does not, so dry runs are told apart from writes)."""

    def __init__(self, kubeconfig: str) -> None:
        super().__init__(from_kubeconfig(kubeconfig))
        self.counts: Counter[str] = Counter()
        self._count_lock = threading.Lock()

    def request(
        self, method: str, path: str, *, query: Mapping[str, str] | None = None, **kwargs: Any
    ) -> Any:
        category = _category(method, query or {})
        with self._count_lock:
            self.counts[category] += 1
            if category == "dry-run":
                self.counts[f"dry-run {kwargs.get('kind', '')}"] += 1
        return super().request(method, path, query=query, **kwargs)

    def snapshot(self) -> Counter[str]:
        with self._count_lock:
            return Counter(self.counts)


def _category(method: str, query: Mapping[str, str]) -> str:
    if query.get("dryRun"):
        return "dry-run"
    if method == "GET":
        return "LIST" if "labelSelector" in query else "GET"
    return method


# --- the repository: 50 objects of everyday kinds ------------------------------------
def _configmap(index: int) -> str:
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-{index:02d}\n"
        f"data:\n  index: '{index}'\n  greeting: hello\n"
    )


def _service(index: int) -> str:
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{index:02d}\nspec:\n"
        f"  selector:\n    app: web-{index:02d}\n  ports:\n    - port: 80\n      targetPort: 8080\n"
    )


def _deployment(index: int) -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{index:02d}\nspec:\n"
        f"  replicas: 1\n  selector:\n    matchLabels:\n      app: web-{index:02d}\n"
        f"  template:\n    metadata:\n      labels:\n        app: web-{index:02d}\n"
        f"    spec:\n      serviceAccountName: sa-{index % 5}\n      containers:\n"
        f"        - name: web\n          image: registry.example.com/web:1.0.{index}\n"
        f"          ports:\n            - containerPort: 8080\n"
    )


def _service_account(index: int) -> str:
    return f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-{index}\n"


def _rbac(index: int) -> str:
    return (
        f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n"
        f"  name: reader-{index}\nrules:\n  - apiGroups: ['']\n"
        f"    resources: [configmaps]\n    verbs: [get, list]\n---\n"
        f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n"
        f"  name: reader-{index}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n"
        f"  kind: Role\n  name: reader-{index}\nsubjects:\n"
        f"  - kind: ServiceAccount\n    name: sa-{index}\n"
    )


SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: credentials\ntype: Opaque\n"
    "stringData:\n  password: not-a-real-password\n"
)


def repo_files() -> dict[str, str | None]:
    """20 ConfigMaps, 10 Services, 10 Deployments, 5 ServiceAccounts, 2 Roles,
    2 RoleBindings and a Secret: 50 objects."""
    files: dict[str, str | None] = {"app/secret.yaml": SECRET}
    for index in range(20):
        files[f"app/configmap-{index:02d}.yaml"] = _configmap(index)
    for index in range(10):
        files[f"app/service-{index:02d}.yaml"] = _service(index)
        files[f"app/deployment-{index:02d}.yaml"] = _deployment(index)
    for index in range(5):
        files[f"app/serviceaccount-{index}.yaml"] = _service_account(index)
    for index in range(2):
        files[f"app/rbac-{index}.yaml"] = _rbac(index)
    return files


def application(repo_url: str) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "bench-50", "namespace": "gitopsd", "uid": "bench-50"},
        "spec": {
            "project": "default",
            "source": {"repoURL": repo_url, "targetRevision": "main", "path": "app"},
            "destination": {
                "server": "https://kubernetes.default.svc",
                "namespace": DEST_NAMESPACE,
            },
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": True},
                "syncOptions": ["CreateNamespace=true"],
            },
        },
    }


# --- passes ---------------------------------------------------------------------------
class Bench:
    def __init__(self, cluster: CountingCluster, reconciler: Reconciler, app: dict[str, Any]):
        self.cluster = cluster
        self.reconciler = reconciler
        self.app = app

    def run_pass(self) -> tuple[ReconcileResult, float, Counter[str]]:
        """One reconcile, its status written back as the controller would."""
        before = self.cluster.snapshot()
        started = time.perf_counter()
        result = self.reconciler.reconcile(self.app)
        elapsed = time.perf_counter() - started
        self.app["status"] = result.status
        if result.clear_operation:
            self.app.pop("operation", None)
        return result, elapsed, self.cluster.snapshot() - before

    def status(self) -> tuple[str, str]:
        status = self.app.get("status") or {}
        return (
            str((status.get("sync") or {}).get("status")),
            str((status.get("health") or {}).get("status")),
        )


def describe(counts: Counter[str]) -> str:
    text = ", ".join(f"{name} {counts.get(name, 0)}" for name in CATEGORIES)
    by_kind = sorted((k.removeprefix("dry-run "), n) for k, n in counts.items() if " " in k)
    if by_kind:
        text += " (dry runs: " + ", ".join(f"{kind} {n}" for kind, n in by_kind) + ")"
    return text


def settle(bench: Bench, timeout: float) -> tuple[int, float, Counter[str]]:
    """Pass until the operation has ended and the app is Synced and Healthy."""
    passes, total, counts = 0, 0.0, Counter[str]()
    deadline = time.monotonic() + timeout
    while True:
        result, elapsed, used = bench.run_pass()
        passes, total, counts = passes + 1, total + elapsed, counts + used
        if result.requeue_after is None and bench.status() == ("Synced", "Healthy"):
            return passes, total, counts
        if time.monotonic() > deadline:
            raise TimeoutError(f"not Synced/Healthy after {timeout:.0f} s: {bench.status()}")
        time.sleep(min(result.requeue_after or 0.5, 1.0))


def run(kubeconfig: str, workdir: Path) -> dict[str, Any]:
    repo = bare_repo(workdir, "bench-reconcile")
    sha = repo.commit(repo_files(), "fifty objects")
    cluster = CountingCluster(kubeconfig)
    repos = GitRepositories(workdir / "cache")
    env = ControllerEnvironment(
        ClusterRegistry(cluster),
        ManifestGenerator(repos, CachedRenderer()),
        HealthAssessor(),
        repos,
    )
    bench = Bench(
        cluster, Reconciler(env, SystemClock(), ReconcileSettings()), application(repo.url)
    )
    results: dict[str, Any] = {"objects": 50, "revision": sha}

    result, elapsed, used = bench.run_pass()
    results["pass1"] = {"seconds": elapsed, "requests": dict(used)}
    print(f"pass 1 (diff, operation recorded): {elapsed:.2f} s; {describe(used)}", flush=True)
    if result.requeue_after is None and bench.status() == ("Synced", "Healthy"):
        passes, seconds, settle_used = 0, 0.0, Counter[str]()
    else:
        passes, seconds, settle_used = settle(bench, timeout=180)
    results["settle"] = {"passes": passes, "seconds": seconds, "requests": dict(settle_used)}
    print(
        f"until Synced/Healthy: {passes} more passes, {seconds:.2f} s in reconcile; "
        f"{describe(settle_used)}",
        flush=True,
    )

    result, elapsed, used = bench.run_pass()
    results["pass2"] = {"seconds": elapsed, "requests": dict(used), "status": bench.status()}
    print(f"pass 2 (nothing changed): {elapsed:.3f} s; {describe(used)}", flush=True)
    violations = used.get("dry-run", 0) + sum(used.get(verb, 0) for verb in WRITES)

    kubectl(kubeconfig, "-n", DEST_NAMESPACE, "scale", "deployment", "web-03", "--replicas=3")
    result, elapsed, used = bench.run_pass()
    healed = int(
        kubectl(kubeconfig, "-n", DEST_NAMESPACE, "get", "deployment", "web-03", *REPLICAS)
    )
    results["pass3"] = {"seconds": elapsed, "requests": dict(used), "replicas_after": healed}
    print(
        f"pass 3 (one Deployment scaled by hand): {elapsed:.3f} s; {describe(used)}; "
        f"replicas now {healed}",
        flush=True,
    )
    results["pass2_violations"] = violations
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="accepted for symmetry; same run")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    put_testbed_on_path()
    with (
        tempfile.TemporaryDirectory(prefix="gitopsd-bench-") as tmp,
        local_cluster("bench-reconcile") as kubeconfig,
    ):
        kubectl(kubeconfig, "delete", "namespace", DEST_NAMESPACE, "--ignore-not-found")
        results = run(kubeconfig, Path(tmp))
        kubectl(kubeconfig, "delete", "namespace", DEST_NAMESPACE, "--wait=false")
    write_json(args.json, results)
    if results["pass2_violations"]:
        print(
            f"FAIL: pass 2 made {results['pass2_violations']} dry-run/write calls with "
            "nothing changed",
            file=sys.stderr,
        )
        return 1
    print("OK: pass 2 made no dry-run or write calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
