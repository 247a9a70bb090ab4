"""A fresh ``hack/cluster.sh`` cluster per benchmark side, always (never ``$KUBECONFIG``'s):
a reused cluster would make the second side pay for the first one's garbage collection
and etcd history. Called by ``bench_flux.py``.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench.support import CLUSTER_SCRIPT


@contextmanager
def fresh_cluster(name: str, *, nodes: int) -> Iterator[str]:
    """Start cluster ``name`` (unique per run), yield its kubeconfig, delete it after."""
    started = time.monotonic()
    up = subprocess.run(
        [str(CLUSTER_SCRIPT), "up", name],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GITOPSD_CLUSTER_NODES": str(nodes)},
    )
    try:
        if up.returncode != 0:
            raise RuntimeError(f"could not start cluster {name}:\n{up.stderr[-3000:]}")
        kubeconfig = up.stdout.strip().splitlines()[-1].removeprefix("export KUBECONFIG=")
        print(f"  cluster {name} up in {time.monotonic() - started:.0f} s ({nodes} nodes)")
        yield kubeconfig
    finally:
        subprocess.run([str(CLUSTER_SCRIPT), "down", name], capture_output=True, check=False)
