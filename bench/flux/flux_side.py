"""The Flux side of the comparison: source-controller and kustomize-controller on a fresh
cluster reconcile the same N units from the same kind of HTTP repository.

Measured from creating the GitRepository and the Kustomizations until each Kustomization
has been seen Ready at its current generation; then a steady window; then edit-to-healed
at the Kustomizations' interval (1 m, ``flux create kustomization``'s default), and again
after every Kustomization moved to the short interval (``--flux-short-interval``), with
the controllers' CPU over a window at that interval, since that is what it costs.

Called by ``bench_flux.py``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from bench.bench_scale import app_name, dest_namespace
from bench.flux import controllers, workload
from bench.flux.controllers import Flux
from bench.flux.observe import Deployments, FirstReady, flux_ready, heal_times
from bench.flux.processes import RssSampler, client_throttling, cluster_pids, peak_rss_mib
from bench.flux.record import Window, load, spread_targets, summarize
from bench.measure import summed_by
from bench.support import kubectl
from tests.support.kube import Kubectl, condition_true

from gitopsd.cluster import KubeCluster, from_kubeconfig
from gitopsd.model.keys import GroupKind

KUSTOMIZATION = GroupKind("kustomize.toolkit.fluxcd.io", "Kustomization")
DEFAULT_INTERVAL = "1m"


def prepare(kubeconfig: str, count: int, bin_dir: Path) -> None:
    kube = Kubectl(kubeconfig)
    crds = controllers.crd_dir(bin_dir)
    kube.run("apply", "--server-side", "--force-conflicts", "-f", str(crds))
    for path in sorted(crds.glob("*.yaml")):
        name = path.stem.split("_", 1)[1] + "." + path.stem.split("_", 1)[0]
        kube.wait_for(
            lambda n=name: condition_true(kube.get("crd", n), "Established"),
            timeout=60,
            what=f"CRD {name} Established",
        )
    names = [workload.FLUX_NAMESPACE, *workload.destination_namespaces(count)]
    kubectl(kubeconfig, "apply", "-f", "-", stdin=workload.namespaces_manifest(names))


def _requests(flux: Flux) -> dict[str, float]:
    totals: dict[str, float] = {}
    for process in flux.processes:
        try:
            by_method = summed_by(process.metrics(), "rest_client_requests_total", "method")
        except OSError:
            continue
        for method, value in by_method.items():
            totals[method] = totals.get(method, 0.0) + value
    return totals


def run(
    kubeconfig: str,
    count: int,
    repo_url: str,
    workdir: Path,
    options: dict[str, Any],
) -> dict[str, Any]:
    bin_dir = options["flux_bin"]
    prepare(kubeconfig, count, bin_dir)
    flux = controllers.start(bin_dir, kubeconfig, workdir / "flux", workers=options["workers"])
    try:
        return _measure(kubeconfig, count, repo_url, flux, options)
    finally:
        flux.stop()
        if options.get("log_dir"):
            Path(options["log_dir"]).mkdir(parents=True, exist_ok=True)
            for process in flux.processes:
                target = Path(options["log_dir"]) / f"{process.name}-{count}.log"
                shutil.copy(process.log_path, target)


def _measure(
    kubeconfig: str, count: int, repo_url: str, flux: Flux, options: dict[str, Any]
) -> dict[str, Any]:
    cluster = KubeCluster(from_kubeconfig(kubeconfig))
    plane = cluster_pids(kubeconfig)
    results: dict[str, Any] = {"side": "flux", "units": count, "settings": _settings(options)}
    with RssSampler(list(flux.pids.values())) as sampler:
        manifests = workload.flux_source(repo_url) + "---\n"
        manifests += workload.flux_kustomizations(count, DEFAULT_INTERVAL)
        sync, done = _until_ready(
            cluster, flux, plane, count, options, sampler, "create", manifests, kubeconfig
        )
        results["sync"] = sync
        results["steady"] = _steady(flux, plane, options["steady"], DEFAULT_INTERVAL, kubeconfig)
        if done:
            results["heal"] = {DEFAULT_INTERVAL: _heal(cluster, count, options, 0)}
        short = options["flux_short_interval"]
        if done and count > options["flux_short_max"]:
            print(f"    flux: no {short} round at {count} units (--flux-short-max)", flush=True)
        elif done:
            moved = workload.flux_kustomizations(count, short)
            resync, done = _until_ready(
                cluster, flux, plane, count, options, sampler, "apply", moved, kubeconfig
            )
            results["short_interval_resync"] = resync
            if done:
                results["steady_short"] = _steady(flux, plane, options["steady"], short, kubeconfig)
                results["heal"][short] = _heal(cluster, count, options, 2)
        results["peak_rss_mib"] = round(sampler.peak_mib, 1)
    results["controller_vmhwm_mib"] = round(sum(peak_rss_mib(p) for p in flux.pids.values()), 1)
    results["versions"] = controllers.versions(options["flux_bin"])
    return results


def _until_ready(
    cluster: KubeCluster,
    flux: Flux,
    plane: dict[str, int],
    count: int,
    options: dict[str, Any],
    sampler: RssSampler,
    verb: str,
    manifests: str,
    kubeconfig: str,
) -> tuple[dict[str, Any], bool]:
    """Create (or re-apply) the manifests; wait until each Kustomization was seen Ready at
    its current generation."""
    # Re-applied ones count only once Ready at the generation the new spec gave them.
    generation = 1 if verb == "create" else 2

    def ready(obj: dict[str, Any]) -> bool:
        return flux_ready(obj) and int(obj["metadata"].get("generation") or 0) >= generation

    observer = FirstReady(cluster, KUSTOMIZATION, workload.FLUX_NAMESPACE, ready).start()
    observer.cache.wait_ready(60)

    def progress(first: int, now: int) -> None:
        flux.check_alive()
        print(
            f"    flux: {first}/{count} seen Ready ({now} now); RSS {sampler.sample():.0f} "
            f"MiB; load {load()}",
            flush=True,
        )

    window = Window(flux.pids, plane, lambda: _requests(flux), kubeconfig).open()
    args = ("create", "-f", "-")
    if verb != "create":
        args = ("apply", "--server-side", "--force-conflicts", "-f", "-")
    kubectl(kubeconfig, *args, stdin=manifests)
    done = observer.wait(count, options["timeout"], progress)
    sync = window.close()
    observer.stop()
    sync["all_ready_seconds"] = round(observer.all_ready_after(window.started), 1)
    sync["ready_spread"] = observer.spread(window.started)
    sync["ready"] = len(observer.first)
    sync["timed_out"] = not done
    sync["client_throttling"] = client_throttling(kubeconfig)
    print(
        f"    flux ({verb}): {'all' if done else 'TIMED OUT:'} {len(observer.first)}/{count} "
        f"after {sync['all_ready_seconds']} s; controllers CPU {sync['controller_cpu']} s, "
        f"control plane {sync['control_plane_cpu']} s; load {sync['load_after']}",
        flush=True,
    )
    return sync, done


def _steady(
    flux: Flux, plane: dict[str, int], seconds: float, interval: str, kubeconfig: str
) -> dict[str, Any]:
    window = Window(flux.pids, plane, lambda: _requests(flux), kubeconfig).open()
    time.sleep(seconds)
    steady = window.close()
    steady["interval"] = interval
    print(
        f"    flux steady at {interval} for {steady['seconds']:.0f} s: CPU "
        f"{steady['controller_cpu']} s, requests {steady['requests']}",
        flush=True,
    )
    return steady


def _heal(cluster: KubeCluster, count: int, options: dict[str, Any], shift: int) -> dict[str, Any]:
    """Every sample edited at once: Flux heals only on its interval, so one edit at a time
    would cost an interval per sample."""
    deployments = Deployments(cluster).start()
    try:
        indexes = sorted(
            {(i + shift) % count for i in spread_targets(count, options["heal_samples"])}
        )
        keys = [(dest_namespace(count, i), app_name(i)) for i in indexes]
        together = summarize(
            heal_times(deployments, keys, together=True, timeout=options["heal_timeout"])
        )
    finally:
        deployments.stop()
    print(f"    flux heal all at once: {together}", flush=True)
    return {"together": together}


def _settings(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "workers": options["workers"],
        "kustomization": {
            "interval": DEFAULT_INTERVAL,
            "short_interval": options["flux_short_interval"],
            "timeout": workload.FLUX_TIMEOUT,
            "prune": True,
            "wait": True,
        },
        "gitrepository_interval": "1m",
    }
