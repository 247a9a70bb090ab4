"""Reading an application's live state: the LISTs of a pass (and the GETs of desired
objects without our label) are sent together, and the answer is the same as one by one."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from gitopsd.errors import ClusterUnreachable
from gitopsd.memory import MemoryCluster
from gitopsd.model.annotations import TRACKING_LABEL
from gitopsd.model.keys import ResourceKey
from gitopsd.sync.live import read_live

TRACKING = "gitopsd_web"
KEYS = [
    ResourceKey("", "ConfigMap", "team", "web"),
    ResourceKey("", "Service", "team", "web"),
    ResourceKey("", "ServiceAccount", "team", "web"),
    ResourceKey("apps", "Deployment", "team", "web"),
]


class SlowCluster(MemoryCluster):
    """Each read takes 0.2 s; records the most reads seen in flight at once."""

    def __init__(self, fail_kind: str = "") -> None:
        super().__init__()
        self.fail_kind = fail_kind
        self.in_flight = 0
        self.most_in_flight = 0
        self._count = threading.Lock()

    def _slow(self, kind: str) -> None:
        with self._count:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(0.2)
        with self._count:
            self.in_flight -= 1
        if kind == self.fail_kind:
            raise ClusterUnreachable(f"list {kind}: API server unreachable", status=0)

    def list(self, group_kind: Any, **kwargs: Any) -> list[dict[str, Any]]:
        self._slow(group_kind.kind)
        return super().list(group_kind, **kwargs)

    def get(self, key: ResourceKey) -> dict[str, Any] | None:
        self._slow(key.kind)
        return super().get(key)


def _object(key: ResourceKey, labelled: bool) -> dict[str, Any]:
    api_version = f"{key.group}/v1" if key.group else "v1"
    labels = {TRACKING_LABEL: TRACKING} if labelled else {}
    return {
        "apiVersion": api_version,
        "kind": key.kind,
        "metadata": {"name": key.name, "namespace": key.namespace, "labels": labels},
    }


def _seed(cluster: MemoryCluster, labelled: list[ResourceKey], other: list[ResourceKey]) -> None:
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    for key in labelled:
        cluster.create(_object(key, True))
    for key in other:
        cluster.create(_object(key, False))


def test_the_lists_of_a_pass_are_sent_together() -> None:
    cluster = SlowCluster()
    _seed(cluster, KEYS, [])
    started = time.monotonic()
    live = read_live(cluster, KEYS, tracking_value=TRACKING)
    assert time.monotonic() - started < 0.6  # four in a row take 0.8 s
    assert cluster.most_in_flight == len(KEYS)
    assert sorted(k for k, v in live.items() if v is not None) == sorted(KEYS)


def test_objects_without_our_label_are_found_by_gets_sent_together() -> None:
    cluster = SlowCluster()
    deployment, *others = KEYS
    _seed(cluster, [deployment], others)
    missing = ResourceKey("", "ConfigMap", "team", "not-there")
    live = read_live(cluster, [*KEYS, missing], tracking_value=TRACKING)
    assert live[missing] is None
    assert all(live[key] is not None for key in KEYS)
    assert cluster.most_in_flight >= 3  # the GETs of the three unlabelled objects


def test_a_failed_list_fails_the_read() -> None:
    cluster = SlowCluster(fail_kind="Service")
    _seed(cluster, KEYS, [])
    with pytest.raises(ClusterUnreachable, match="list Service"):
        read_live(cluster, KEYS, tracking_value=TRACKING)


def test_a_kind_the_cluster_does_not_serve_is_missing_without_a_request() -> None:
    cluster = SlowCluster()
    widget = ResourceKey("example.com", "Widget", "team", "w")
    live = read_live(cluster, [widget], tracking_value=TRACKING)
    assert live == {widget: None}
    assert cluster.most_in_flight == 0
