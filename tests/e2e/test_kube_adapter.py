"""``KubeCluster``'s metadata-only lists and watches and its paged lists, against the real
API server: what the controller's Application and managed-object watches rely on."""

from __future__ import annotations

import pytest

from gitopsd.cluster import KubeCluster, Selection, from_kubeconfig
from gitopsd.model.keys import GroupKind, ResourceKey

pytestmark = pytest.mark.e2e

CONFIGMAP = GroupKind("", "ConfigMap")


def configmap(namespace: str, name: str, value: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": {"picked": "yes"}},
        "data": {"value": value},
    }


@pytest.fixture
def cluster(kubeconfig: str) -> KubeCluster:
    return KubeCluster(from_kubeconfig(kubeconfig))


def test_pages_cover_every_object_once_a_page_at_a_time(
    cluster: KubeCluster, namespace: str
) -> None:
    for index in range(5):
        cluster.apply(configmap(namespace, f"cm-{index}", "x"))
    unpicked = {**configmap(namespace, "unpicked", "x")}
    unpicked["metadata"] = {"name": "unpicked", "namespace": namespace}
    cluster.apply(unpicked)
    pages = list(cluster.pages(Selection(CONFIGMAP, namespace, "picked=yes"), page_size=2))
    assert [len(page) for page in pages] == [2, 2, 1]
    names = [obj["metadata"]["name"] for page in pages for obj in page]
    assert sorted(names) == [f"cm-{index}" for index in range(5)]
    assert all(obj["kind"] == "ConfigMap" and obj["data"] == {"value": "x"} for obj in pages[0])


def test_metadata_only_lists_and_watches_carry_no_data(
    cluster: KubeCluster, namespace: str
) -> None:
    cluster.apply(configmap(namespace, "watched", "secret-ish-payload"))
    selection = Selection(CONFIGMAP, namespace, "picked=yes", metadata_only=True)
    items, version = cluster.collect(selection, lambda obj: obj)
    assert [item["metadata"]["name"] for item in items] == ["watched"]
    assert items[0]["kind"] == "PartialObjectMetadata"
    assert items[0]["metadata"]["labels"] == {"picked": "yes"}
    assert "data" not in items[0]
    assert version

    # A change after the list's version is replayed to a watch opened from it.
    cluster.apply(configmap(namespace, "watched", "changed"))
    events = cluster.watch(selection, resource_version=version, timeout_seconds=10)
    event_type, obj = next(e for e in events if e[0] != "BOOKMARK")
    events.close()
    assert event_type == "MODIFIED"
    assert obj["kind"] == "PartialObjectMetadata"
    assert obj["metadata"]["name"] == "watched"
    assert "data" not in obj
    live = cluster.get(ResourceKey("", "ConfigMap", namespace, "watched"))
    assert live is not None and live["data"] == {"value": "changed"}


def test_collect_keeps_what_the_caller_keeps_page_by_page_with_one_version(
    cluster: KubeCluster, namespace: str
) -> None:
    for index in range(5):
        cluster.apply(configmap(namespace, f"cm-{index}", "x"))
    selection = Selection(CONFIGMAP, namespace, "picked=yes", metadata_only=True)
    seen: list[int] = []

    def keep(obj: dict[str, object]) -> str:
        seen.append(len(seen))
        return str(obj["metadata"]["name"])  # type: ignore[index]

    names, version = cluster.collect(selection, keep, page_size=2)
    assert sorted(names) == [f"cm-{index}" for index in range(5)]
    assert len(seen) == 5  # every object passed through keep once, over three pages
    # The version is the list's snapshot: a change after it reaches a watch opened from it.
    cluster.apply(configmap(namespace, "cm-4", "changed"))
    events = cluster.watch(selection, resource_version=version, timeout_seconds=10)
    event_type, obj = next(e for e in events if e[0] != "BOOKMARK")
    events.close()
    assert (event_type, obj["metadata"]["name"]) == ("MODIFIED", "cm-4")


def test_a_watch_from_resource_version_sees_later_changes_only(
    cluster: KubeCluster, namespace: str
) -> None:
    cluster.apply(configmap(namespace, "before", "x"))
    selection = Selection(CONFIGMAP, namespace, "picked=yes", metadata_only=True)
    version = cluster.resource_version(selection)
    assert version
    cluster.apply(configmap(namespace, "after", "x"))
    events = cluster.watch(selection, resource_version=version, timeout_seconds=10)
    event_type, obj = next(e for e in events if e[0] != "BOOKMARK")
    events.close()
    # The object that existed before is not replayed: the first event is the new one.
    assert (event_type, obj["metadata"]["name"]) == ("ADDED", "after")
