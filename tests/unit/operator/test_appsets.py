"""The ApplicationSet loop's pure parts: the status it writes (one golden file per
scenario under ``testdata/``), ownership, and the clusters it shows the generators."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.appset import AppSetCondition
from gitopsd.appset.reconcile import failed_conditions, succeeded_conditions
from gitopsd.cluster import KubeCluster, from_credentials
from gitopsd.cluster.connection import ClusterCredentials
from gitopsd.model.annotations import IN_CLUSTER_SERVER
from gitopsd.operator.appset_status import apply_failed_conditions, appset_status, is_owned_by
from gitopsd.operator.appsets import registered_clusters
from gitopsd.operator.clusters import ClusterRegistry
from gitopsd.spec import Destination

TESTDATA = Path(__file__).parent / "testdata"
SCENARIOS = sorted(p.stem for p in TESTDATA.glob("status-*.yaml"))


def _conditions(spec: str) -> tuple[AppSetCondition, ...]:
    """``succeeded``, ``failed: <message>`` or ``apply-failed: <message>``."""
    kind, _, message = spec.partition(": ")
    if kind == "succeeded":
        return succeeded_conditions()
    if kind == "failed":
        return failed_conditions(message)
    return apply_failed_conditions(message)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_status(scenario: str) -> None:
    case: dict[str, Any] = yaml.safe_load((TESTDATA / f"{scenario}.yaml").read_text())
    status = appset_status(
        case["previous"],
        _conditions(case["conditions"]),
        case["applications"],
        now=case["now"],
    )
    assert status == case["expected"]


def test_ownership_is_by_uid_only() -> None:
    app = {"metadata": {"ownerReferences": [{"kind": "ApplicationSet", "uid": "u-1"}]}}
    assert is_owned_by(app, "u-1")
    assert not is_owned_by(app, "u-2")
    assert not is_owned_by({"metadata": {}}, "u-1")
    assert not is_owned_by({"metadata": {"ownerReferences": [{"uid": ""}]}}, "")


def _secret(name: str, server: str, labels: dict[str, str]) -> dict[str, Any]:
    data = {"name": name, "server": server}
    return {
        "metadata": {"name": f"cluster-{name}", "labels": labels},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


def test_generators_see_registered_clusters_and_a_labelled_in_cluster_secret() -> None:
    local = KubeCluster(from_credentials(ClusterCredentials(server="https://127.0.0.1:6443")))
    registry = ClusterRegistry(local)
    assert registered_clusters(registry) == []  # the core adds the local cluster itself

    registry.upsert_secret(_secret("spoke", "https://10.0.0.7:6443", {"tier": "workload"}))
    registry.upsert_secret(_secret("hub", IN_CLUSTER_SERVER, {"tier": "workload"}))
    clusters = registered_clusters(registry)
    assert [(c.name, c.server, dict(c.labels)) for c in clusters] == [
        ("hub", IN_CLUSTER_SERVER, {"tier": "workload"}),
        ("spoke", "https://10.0.0.7:6443", {"tier": "workload"}),
    ]
    # The in-cluster Secret only names and labels the hub: it talks to the local cluster.
    assert registry.resolve(Destination(server=IN_CLUSTER_SERVER)).cluster is local
    assert registry.resolve(Destination(name="hub")).cluster is local
