"""Flux's source-controller and kustomize-controller as plain processes on this machine,
against a ``hack/cluster.sh`` cluster, as ``bench/flux/build.sh`` built them.

Called by ``bench_flux.py``. Both run outside the cluster with the cluster's kubeconfig,
leader election off (their default), every address on 127.0.0.1: source-controller serves
its artifacts on a local port and kustomize-controller downloads them from there. Each
gets the benchmark's worker count (``--concurrent``); everything else is the default.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.gitserver import free_port

BUILD_SCRIPT = Path(__file__).resolve().parent / "build.sh"
NAMESPACE = "flux-system"


def build() -> Path:
    """Build (or find) the binaries; returns their directory."""
    done = subprocess.run(
        [str(BUILD_SCRIPT)], capture_output=True, text=True, check=False, timeout=3 * 3600
    )
    if done.returncode != 0:
        raise SystemExit(f"bench/flux/build.sh failed:\n{done.stderr[-4000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


def versions(bin_dir: Path) -> str:
    return "; ".join((bin_dir / "VERSIONS").read_text().strip().splitlines())


def crd_dir(bin_dir: Path) -> Path:
    return bin_dir.parent / "crds"


@dataclass
class FluxProcess:
    name: str
    process: subprocess.Popen[bytes]
    metrics_port: int
    log_path: Path

    def metrics(self) -> str:
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            return str(response.read().decode())

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


@dataclass
class Flux:
    processes: list[FluxProcess] = field(default_factory=list)

    @property
    def pids(self) -> dict[str, int]:
        return {p.name: p.process.pid for p in self.processes}

    def check_alive(self) -> None:
        for p in self.processes:
            if p.process.poll() is not None:
                raise RuntimeError(f"{p.name} exited:\n{p.log_tail()}")

    def stop(self) -> None:
        for p in self.processes:
            if p.process.poll() is None:
                p.process.terminate()
        for p in self.processes:
            try:
                p.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.process.kill()
                p.process.wait(timeout=10)


def _start(
    bin_dir: Path, name: str, args: list[str], kubeconfig: str, workdir: Path
) -> FluxProcess:
    metrics_port, health_port = free_port(), free_port()
    log_path = workdir / f"{name}.log"
    command = [
        str(bin_dir / name),
        f"--metrics-addr=127.0.0.1:{metrics_port}",
        f"--health-addr=127.0.0.1:{health_port}",
        "--watch-all-namespaces=true",
        *args,
    ]
    env = {**os.environ, "KUBECONFIG": kubeconfig, "RUNTIME_NAMESPACE": NAMESPACE}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    running = FluxProcess(name, process, metrics_port, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited at start:\n{running.log_tail()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{health_port}/readyz", timeout=2)
            return running
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{name} did not become ready:\n{running.log_tail()}")


def start(bin_dir: Path, kubeconfig: str, workdir: Path, *, workers: int) -> Flux:
    """source-controller, then kustomize-controller, each ready before returning."""
    (workdir / "storage").mkdir(parents=True, exist_ok=True)
    storage_port = free_port()
    flux = Flux()
    try:
        flux.processes.append(
            _start(
                bin_dir,
                "source-controller",
                [
                    f"--storage-path={workdir / 'storage'}",
                    f"--storage-addr=127.0.0.1:{storage_port}",
                    f"--storage-adv-addr=127.0.0.1:{storage_port}",
                    f"--concurrent={workers}",
                ],
                kubeconfig,
                workdir,
            )
        )
        flux.processes.append(
            _start(
                bin_dir, "kustomize-controller", [f"--concurrent={workers}"], kubeconfig, workdir
            )
        )
    except BaseException:
        flux.stop()
        raise
    return flux
