"""Test-session wiring: one local control plane for the whole run.

The cluster is started once, in the controlling pytest process (before xdist workers
spawn, so they inherit ``KUBECONFIG``), and only when e2e tests are selected. When
``KUBECONFIG`` already points at a reachable API server, that cluster is used and left
running. The binaries directory goes on ``PATH`` so tests and gitopsd find kubectl,
kustomize and helm.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_STARTED: dict[str, str] = {}


def _testbed_bin() -> str:
    return subprocess.run(
        [str(REPO / "hack" / "build-testbed.sh"), "--print-bin-dir"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _wants_e2e(config: pytest.Config) -> bool:
    markexpr = config.getoption("markexpr") or ""
    if "not e2e" in markexpr:
        return False
    args = [Path(a.split("::")[0]).resolve() for a in config.args] or [Path.cwd()]
    cluster_dirs = tuple(REPO / "tests" / d for d in ("e2e", "security", "contract"))
    return any(d == a or d in a.parents or a in d.parents for d in cluster_dirs for a in args)


def _reachable(kubeconfig: str) -> bool:
    probe = subprocess.run(
        ["kubectl", "--kubeconfig", kubeconfig, "--request-timeout=5s", "get", "--raw", "/readyz"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def pytest_configure(config: pytest.Config) -> None:
    os.environ["PATH"] = f"{_testbed_bin()}{os.pathsep}{os.environ['PATH']}"
    # A developer's own `gitopsd login` must not route the tests' CLI calls through a
    # server: the tests get an empty configuration directory of their own.
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="gitopsd-test-config-")


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER") or not _wants_e2e(session.config):
        return
    existing = os.environ.get("KUBECONFIG")
    if existing and Path(existing).is_file() and _reachable(existing):
        return
    name = f"gitopsd-test-{uuid.uuid4().hex[:6]}"
    up = subprocess.run(
        [str(REPO / "hack" / "cluster.sh"), "up", name],
        capture_output=True,
        text=True,
        check=False,
    )
    if up.returncode != 0:
        # A half-started control plane keeps running and loading the machine: remove it.
        subprocess.run(
            [str(REPO / "hack" / "cluster.sh"), "down", name], capture_output=True, check=False
        )
        raise pytest.UsageError(f"could not start the test cluster:\n{up.stderr}")
    kubeconfig = up.stdout.strip().splitlines()[-1].removeprefix("export KUBECONFIG=")
    os.environ["KUBECONFIG"] = kubeconfig
    _STARTED["name"] = name


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    name = _STARTED.pop("name", None)
    if name and not os.environ.get("GITOPSD_KEEP_CLUSTER"):
        subprocess.run(
            [str(REPO / "hack" / "cluster.sh"), "down", name], capture_output=True, check=False
        )
