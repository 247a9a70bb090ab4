"""Running ``gitopsd run`` as a real process against the test cluster.

Each e2e story gets its own controller watching its own namespace, so stories run in
parallel without seeing each other's Applications. ``start_replicas`` starts several
sharded replicas of one controller, each under its own replica id.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.gitserver import free_port


@dataclass
class RunningController:
    process: subprocess.Popen[bytes]
    namespace: str
    metrics_port: int
    webhook_port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def metrics(self) -> str:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5
        ) as response:
            return str(response.read().decode())

    def kill(self) -> None:
        """SIGKILL: the controller gets no chance to finish anything."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: frozen mid-whatever, as a stalled node or a long GC pause would be."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused process cannot stop
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_controller(
    namespace: str,
    workdir: Path,
    *,
    kubeconfig: str,
    reconcile_interval: str = "120s",
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> RunningController:
    metrics_port, webhook_port = free_port(), free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"controller-{int(time.time() * 1000)}.log"
    command = [
        sys.executable,
        "-m",
        "gitopsd.cli.main",
        "run",
        "--kubeconfig",
        kubeconfig,
        "--namespace",
        namespace,
        "--metrics-port",
        str(metrics_port),
        "--webhook-port",
        str(webhook_port),
        "--reconcile-interval",
        reconcile_interval,
        "--cache-dir",
        str(workdir / "cache"),
        "--log-format",
        "json",
        *extra_args,
    ]
    # Only --kubeconfig tells the controller where the cluster is, as in production.
    environment = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**environment, **(env or {})},
        )
    running = RunningController(process, namespace, metrics_port, webhook_port, log_path)
    # Start-up imports and first LISTs can take long on a loaded two-core machine.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"controller exited early:\n{running.log()[-4000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/healthz", timeout=1)
            return running
        except OSError:
            time.sleep(0.2)
    running.stop()
    raise AssertionError(f"controller did not become healthy:\n{running.log()[-4000:]}")


@contextmanager
def controller(namespace: str, workdir: Path, **kwargs: object) -> Iterator[RunningController]:
    running = start_controller(namespace, workdir, **kwargs)  # type: ignore[arg-type]
    try:
        yield running
    finally:
        running.stop()


# Short Lease times for tests: a replica stops acting 4 s after its last renewal, and the
# others take its share 6 s after they last saw its Lease change.
TEST_LEASE_ARGS = ("--lease-duration", "6s", "--renew-deadline", "4s", "--retry-period", "1s")


def sharded_args(replica: str) -> tuple[str, ...]:
    return ("--sharding", "--replica-id", replica, *TEST_LEASE_ARGS)


def start_replicas(
    namespace: str,
    workdir: Path,
    replicas: tuple[str, ...],
    *,
    kubeconfig: str,
    reconcile_interval: str = "120s",
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> dict[str, RunningController]:
    """Sharded replicas of one controller, each with its own cache directory."""
    started: dict[str, RunningController] = {}
    try:
        for replica in replicas:
            started[replica] = start_controller(
                namespace,
                workdir / replica,
                kubeconfig=kubeconfig,
                reconcile_interval=reconcile_interval,
                extra_args=(*sharded_args(replica), *extra_args),
                env=env,
            )
    except BaseException:
        for running in started.values():
            running.stop()
        raise
    return started
