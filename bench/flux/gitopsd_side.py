"""The gitopsd side of the comparison: one ``gitopsd run`` on a fresh cluster reconciles
the N units from the HTTP repository; measured from creating the Applications until each
has been seen Synced and Healthy, then a steady window, then edit-to-healed.

Called by ``bench_flux.py``. The controller runs with the benchmark's worker count and a
60 s reconcile interval, so that both sides look at every unit once a minute.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from bench.bench_scale import app_name, dest_namespace
from bench.flux import workload
from bench.flux.observe import Deployments, FirstReady, gitopsd_ready, heal_times
from bench.flux.processes import RssSampler, client_throttling, cluster_pids, peak_rss_mib
from bench.flux.profiling import PySpy
from bench.flux.record import Window, load, spread_targets, summarize
from bench.measure import histogram, samples, summed_by
from bench.support import kubectl
from tests.support.controller import RunningController, start_controller
from tests.support.crds import install_crds
from tests.support.kube import Kubectl

from gitopsd.cluster import KubeCluster, from_kubeconfig
from gitopsd.model.keys import GroupKind

APPLICATION = GroupKind("gitopsd.io", "Application")
APP_NAMESPACE = "bench-apps"
RECONCILE_INTERVAL = "60s"


def prepare(kubeconfig: str, count: int, repo_url: str) -> None:
    install_crds(Kubectl(kubeconfig))
    names = [APP_NAMESPACE, *workload.destination_namespaces(count)]
    kubectl(kubeconfig, "apply", "-f", "-", stdin=workload.namespaces_manifest(names))
    secret = workload.gitopsd_repo_secret(APP_NAMESPACE, repo_url)
    kubectl(kubeconfig, "apply", "-f", "-", stdin=secret)


def _requests(ctl: RunningController) -> dict[str, float]:
    try:
        return summed_by(ctl.metrics(), "gitopsd_app_k8s_request_total", "verb")
    except OSError:
        return {}


def _requests_by_kind(ctl: RunningController) -> dict[str, int]:
    totals: dict[str, int] = {}
    for labels, value in samples(ctl.metrics(), "gitopsd_app_k8s_request_total"):
        key = f"{labels.get('verb')} {labels.get('resource_kind')}"
        totals[key] = totals.get(key, 0) + int(value)
    return dict(sorted(totals.items()))


def run(
    kubeconfig: str, count: int, repo_url: str, workdir: Path, options: dict[str, Any]
) -> dict[str, Any]:
    prepare(kubeconfig, count, repo_url)
    ctl = _start(kubeconfig, workdir, options)
    try:
        return _measure(kubeconfig, count, repo_url, ctl, options)
    finally:
        ctl.stop()
        if options.get("log_dir"):
            Path(options["log_dir"]).mkdir(parents=True, exist_ok=True)
            shutil.copy(ctl.log_path, Path(options["log_dir"]) / f"gitopsd-{count}.log")


def _start(kubeconfig: str, workdir: Path, options: dict[str, Any]) -> RunningController:
    """The controller; a second try when the first did not answer its health check within
    30 s (Python's start-up alone can take that long on two cores at load 20)."""
    for attempt in (1, 2):
        try:
            return start_controller(
                APP_NAMESPACE,
                workdir / f"gitopsd-{attempt}",
                kubeconfig=kubeconfig,
                reconcile_interval=RECONCILE_INTERVAL,
                extra_args=("--workers", str(options["workers"])),
                env={"KUBECONFIG": kubeconfig, **options.get("controller_env", {})},
            )
        except AssertionError as error:
            if attempt == 2:
                raise
            print(f"    gitopsd: start-up failed, once more: {str(error)[:200]}", flush=True)
    raise AssertionError("unreachable")


def _measure(
    kubeconfig: str, count: int, repo_url: str, ctl: RunningController, options: dict[str, Any]
) -> dict[str, Any]:
    cluster = KubeCluster(from_kubeconfig(kubeconfig))
    pid = ctl.process.pid
    controllers = {"gitopsd": pid}
    plane = cluster_pids(kubeconfig)
    results: dict[str, Any] = {"side": "gitopsd", "units": count, "settings": _settings(options)}
    observer = FirstReady(cluster, APPLICATION, APP_NAMESPACE, gitopsd_ready).start()
    observer.cache.wait_ready(60)

    def progress(first: int, now: int) -> None:
        if ctl.process.poll() is not None:
            raise RuntimeError(f"controller exited:\n{ctl.log()[-3000:]}")
        print(
            f"    gitopsd: {first}/{count} seen Synced+Healthy ({now} now); "
            f"RSS {sampler.sample():.0f} MiB; load {load()}",
            flush=True,
        )

    with RssSampler([pid]) as sampler:
        spy = PySpy(pid, options["py_spy"], f"gitopsd-{count}") if options.get("py_spy") else None
        window = Window(controllers, plane, lambda: _requests(ctl), kubeconfig).open()
        apps = workload.gitopsd_applications(count, APP_NAMESPACE, repo_url)
        kubectl(kubeconfig, "create", "-f", "-", stdin=apps)
        done = observer.wait(count, options["timeout"], progress)
        sync = window.close()
        if spy is not None:
            results["profiles"] = [str(path) for path in spy.stop()]
        sync["all_ready_seconds"] = round(observer.all_ready_after(window.started), 1)
        sync["ready_spread"] = observer.spread(window.started)
        sync["ready"] = len(observer.first)
        sync["timed_out"] = not done
        sync["client_throttling"] = client_throttling(kubeconfig)
        results["sync"] = sync
        print(
            f"    gitopsd: {'all' if done else 'TIMED OUT:'} {len(observer.first)}/{count} "
            f"after {sync['all_ready_seconds']} s; controller CPU {sync['controller_cpu']} s, "
            f"control plane {sync['control_plane_cpu']} s; load {sync['load_after']}",
            flush=True,
        )
        observer.stop()
        results["requests_by_kind"] = _requests_by_kind(ctl)
        results["reconciles"] = histogram(ctl.metrics(), "gitopsd_app_reconcile_seconds").count
        print(f"    gitopsd requests: {results['requests_by_kind']}", flush=True)
        results["steady"] = _steady(controllers, plane, ctl, options["steady"], kubeconfig)
        if done:
            spy = (
                PySpy(pid, options["py_spy"], f"gitopsd-{count}-heal")
                if options.get("py_spy")
                else None
            )
            results["heal"] = _heal(cluster, count, options)
            if spy is not None:
                results["profiles"] += [str(path) for path in spy.stop()]
        results["peak_rss_mib"] = round(sampler.peak_mib, 1)
    results["controller_vmhwm_mib"] = round(peak_rss_mib(pid), 1)
    return results


def _settle(ctl: RunningController, quiet: float = 10.0, timeout: float = 180.0) -> float:
    """Wait until the controller made no write for ``quiet`` seconds: Events of the last
    syncs are posted from a queue and may still be on their way when all apps are ready,
    and they are not writes of the steady state. Returns the seconds waited."""
    started = time.monotonic()
    last = _writes(ctl)
    quiet_since = time.monotonic()
    while time.monotonic() - started < timeout:
        time.sleep(1.0)
        now = _writes(ctl)
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            break
    return time.monotonic() - started


def _writes(ctl: RunningController) -> float:
    return sum(n for verb, n in _requests(ctl).items() if verb != "GET")


def _steady(
    controllers: dict[str, int],
    plane: dict[str, int],
    ctl: RunningController,
    seconds: float,
    kubeconfig: str,
) -> dict[str, Any]:
    """Nothing changes: every app still gets its periodic pass within the window."""
    settled = _settle(ctl)
    window = Window(controllers, plane, lambda: _requests(ctl), kubeconfig).open()
    time.sleep(seconds)
    steady = window.close()
    steady["settled_after_seconds"] = round(settled, 1)
    writes = sum(n for verb, n in steady["requests"].items() if verb != "GET")
    print(
        f"    gitopsd steady {steady['seconds']:.0f} s: CPU {steady['controller_cpu']} s, "
        f"requests {steady['requests']} ({writes} writes)",
        flush=True,
    )
    return steady


def _heal(cluster: KubeCluster, count: int, options: dict[str, Any]) -> dict[str, Any]:
    deployments = Deployments(cluster).start()
    try:
        samples = options["heal_samples"]
        keys = [(dest_namespace(count, i), app_name(i)) for i in spread_targets(count, samples)]
        one = summarize(heal_times(deployments, keys, together=False, timeout=120))
        others = [(dest_namespace(count, i), app_name(i)) for i in _shifted(count, samples)]
        together = summarize(heal_times(deployments, others, together=True, timeout=300))
    finally:
        deployments.stop()
    print(f"    gitopsd heal one at a time: {one}\n    gitopsd heal all at once: {together}")
    return {"one_at_a_time": one, "together": together}


def _shifted(count: int, samples: int) -> list[int]:
    """Other units than the first heal round's, so each edit meets a settled app."""
    return sorted({(i + 1) % count for i in spread_targets(count, samples)})


def _settings(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "workers": options["workers"],
        "reconcile_interval": RECONCILE_INTERVAL,
        "controller_env": options.get("controller_env", {}),
    }
