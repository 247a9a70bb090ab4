"""gitopsd's CRDs in the test cluster: install them once and wait until they are served.

Called from session-scoped fixtures of e2e modules (``install_crds(kubectl)``). Installing
is idempotent: a server-side apply of the same files is a no-op, so every module that
needs the CRDs may call it, from any xdist worker.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from tests.support.kube import Kubectl, condition_true

REPO = Path(__file__).resolve().parents[2]
CRD_DIR = REPO / "crds"
CRD_NAMES: tuple[str, ...] = tuple(sorted(path.stem for path in CRD_DIR.glob("*.yaml")))


def _established(kubectl: Kubectl, name: str) -> bool:
    return condition_true(kubectl.get("customresourcedefinition", name), "Established")


def install_crds(kubectl: Kubectl, *, timeout: float = 60.0) -> None:
    """Server-side apply every file in ``crds/`` and wait until each CRD is Established."""
    kubectl.run(
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=gitopsd-tests",
        "-f",
        str(CRD_DIR),
    )
    for name in CRD_NAMES:
        kubectl.wait_for(
            partial(_established, kubectl, name),
            timeout=timeout,
            what=f"CustomResourceDefinition {name} to be Established",
        )
