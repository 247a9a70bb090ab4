"""What only the in-memory model has: faults, the call record, a collector that waits to
be told, Namespaces and CRDs that take their content with them, the in-memory Git."""

from __future__ import annotations

import pytest

from gitopsd.errors import (
    ClusterError,
    ClusterUnreachable,
    Conflict,
    Forbidden,
    Invalid,
    ManifestError,
    NotFound,
    RevisionNotFound,
    SpecError,
)
from gitopsd.memory import (
    Fault,
    FaultKind,
    ManualClock,
    MemoryCluster,
    MemoryEnvironment,
    MemoryRepo,
    Verb,
)
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import NOT_SERVED
from gitopsd.render import RenderContext
from gitopsd.spec import Destination, parse_application_spec

NS = "default"


def cm(name: str, **meta: object) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": NS, **meta},
        "data": {"a": "1"},
    }


def key(name: str) -> ResourceKey:
    return ResourceKey("", "ConfigMap", NS, name)


@pytest.mark.parametrize(
    ("kind", "error", "status"),
    [
        (FaultKind.NOT_SERVED, NotFound, 404),
        (FaultKind.INVALID, Invalid, 422),
        (FaultKind.CONFLICT, Conflict, 409),
        (FaultKind.FORBIDDEN, Forbidden, 403),
        (FaultKind.SERVER_ERROR, ClusterError, 500),
        (FaultKind.UNAVAILABLE, ClusterError, 503),
        (FaultKind.TIMEOUT, ClusterUnreachable, 0),
    ],
)
def test_a_fault_raises_its_error_once_and_writes_nothing(
    kind: FaultKind, error: type[ClusterError], status: int
) -> None:
    cluster = MemoryCluster()
    cluster.inject(Fault(kind, verb=Verb.APPLY, name="a"))
    with pytest.raises(error) as raised:
        cluster.apply(cm("a"))
    assert raised.value.status == status
    assert cluster.stored(key("a")) is None
    cluster.apply(cm("a"))
    assert [str(c) for c in cluster.writes()] == [
        f"apply ConfigMap/default/a -> {error.__name__}",
        "apply ConfigMap/default/a",
    ]


def test_a_not_served_fault_carries_the_not_served_reason() -> None:
    cluster = MemoryCluster()
    cluster.inject(Fault(FaultKind.NOT_SERVED, verb=Verb.APPLY))
    with pytest.raises(NotFound) as raised:
        cluster.apply(cm("a"))
    assert raised.value.reason == NOT_SERVED


def test_faults_choose_their_calls() -> None:
    cluster = MemoryCluster()
    cluster.inject(Fault(FaultKind.INVALID, verb=Verb.APPLY, dry_run=True, times=None))
    for _ in range(2):
        with pytest.raises(Invalid):
            cluster.apply(cm("a"), dry_run=True)
    cluster.apply(cm("a"))
    cluster.inject(Fault(FaultKind.CONFLICT, group_kind_name="Secret"))
    cluster.apply(cm("b"))
    cluster.clear_faults()
    cluster.apply(cm("a"), dry_run=True)


def test_a_lost_answer_still_writes() -> None:
    cluster = MemoryCluster()
    cluster.inject(Fault(FaultKind.TIMEOUT, verb=Verb.APPLY, after_write=True))
    with pytest.raises(ClusterUnreachable):
        cluster.apply(cm("a"))
    assert cluster.stored(key("a")) is not None


def test_unrecorded_calls_are_neither_recorded_nor_faulted() -> None:
    cluster = MemoryCluster()
    cluster.inject(Fault(FaultKind.INVALID, verb=Verb.APPLY))
    with cluster.unrecorded():
        cluster.apply(cm("a"))
    assert cluster.calls == []
    assert cluster.stored(key("a")) is not None
    with pytest.raises(Invalid):  # the fault was not used up by the unrecorded call
        cluster.apply(cm("b"))


def test_the_call_record_tells_reads_dry_runs_and_writes_apart() -> None:
    cluster = MemoryCluster()
    cluster.apply(cm("a"), dry_run=True)
    cluster.apply(cm("a"))
    cluster.get(key("a"))
    cluster.list(GroupKind("", "ConfigMap"), namespace=NS, label_selector="x=y")
    cluster.delete(key("a"), propagation="Background")
    assert [str(c) for c in cluster.calls] == [
        "apply dry-run ConfigMap/default/a",
        "apply ConfigMap/default/a",
        "get ConfigMap/default/a",
        "list ConfigMap",
        "delete ConfigMap/default/a (Background)",
    ]
    assert [str(c) for c in cluster.dry_runs()] == ["apply dry-run ConfigMap/default/a"]
    assert len(cluster.writes()) == 2


def test_a_bad_label_selector_is_invalid() -> None:
    with pytest.raises(Invalid):
        MemoryCluster().list(GroupKind("", "ConfigMap"), label_selector="a in b")


def test_with_manual_collection_a_foreground_delete_waits_for_the_collector() -> None:
    cluster = MemoryCluster(auto_collect=False)
    cluster.apply(cm("a"))
    cluster.delete(key("a"), propagation="Foreground")
    waiting = cluster.stored(key("a"))
    assert waiting is not None
    assert waiting["metadata"]["finalizers"] == ["foregroundDeletion"]
    cluster.collect_garbage()
    assert cluster.stored(key("a")) is None


def test_a_terminating_namespace_refuses_new_objects_and_goes_when_empty() -> None:
    cluster = MemoryCluster()
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    held = cm("held", finalizers=["example.com/hold"])
    held["metadata"]["namespace"] = "team"  # type: ignore[index]
    cluster.apply(held)
    namespace = ResourceKey("", "Namespace", "", "team")
    cluster.delete(namespace, propagation="Background")
    assert cluster.stored(namespace)["status"]["phase"] == "Terminating"  # type: ignore[index]
    fresh = cm("fresh")
    fresh["metadata"]["namespace"] = "team"  # type: ignore[index]
    with pytest.raises(Forbidden):
        cluster.apply(fresh)
    held_key = ResourceKey("", "ConfigMap", "team", "held")
    cluster.merge_patch(held_key, {"metadata": {"finalizers": None}})
    assert cluster.stored(held_key) is None
    assert cluster.stored(namespace) is None


def test_removing_a_crd_stops_serving_its_kind_and_drops_its_objects() -> None:
    cluster = MemoryCluster()
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Cluster",
            "names": {"kind": "Gadget", "plural": "gadgets"},
            "versions": [{"name": "v1", "served": True, "storage": True}],
        },
    }
    cluster.apply(crd)
    gadget = GroupKind("example.com", "Gadget")
    assert cluster.resources()[gadget].namespaced is False
    cluster.apply({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}})
    cluster.delete(
        ResourceKey("apiextensions.k8s.io", "CustomResourceDefinition", "", crd["metadata"]["name"])
    )  # type: ignore[index]
    assert gadget not in cluster.resources()
    assert cluster.keys("Gadget") == []


def test_a_hidden_kind_is_not_served_until_served_again() -> None:
    cluster = MemoryCluster()
    deployments = GroupKind("apps", "Deployment")
    cluster.hide_kind(deployments)
    assert deployments not in cluster.resources()
    with pytest.raises(NotFound):
        cluster.list(deployments)
    cluster.serve_kind(deployments)
    assert cluster.list(deployments) == []


def test_set_status_is_an_update_of_the_status_subresource() -> None:
    clock = ManualClock()
    cluster = MemoryCluster(clock=clock)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": NS},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
    }
    cluster.apply(pod)
    clock.advance(5)
    updated = cluster.set_status(
        ResourceKey("", "Pod", NS, "p"), {"phase": "Running"}, manager="kubelet"
    )
    entry = next(e for e in updated["metadata"]["managedFields"] if e["manager"] == "kubelet")
    assert (entry["operation"], entry["subresource"], entry["time"]) == (
        "Update",
        "status",
        "2026-01-01T12:00:05Z",
    )
    assert updated["metadata"]["generation"] == 1
    assert [str(c) for c in cluster.calls] == ["apply Pod/default/p"]


def test_memory_repo_resolves_branches_tags_and_short_shas() -> None:
    repo = MemoryRepo("https://git.example.com/r.git")
    first = repo.commit({"app": [cm("a")]})
    second = repo.commit({"app": [cm("a"), cm("b")]})
    repo.tag("v1", first)
    assert repo.resolve("HEAD") == repo.resolve("main") == second
    assert repo.resolve("v1") == repo.resolve(first[:8]) == first
    with pytest.raises(RevisionNotFound):
        repo.resolve("nope")
    with pytest.raises(ManifestError):
        repo.objects(second, "missing")


def test_memory_environment_renders_and_resolves_destinations() -> None:
    cluster = MemoryCluster()
    repo = MemoryRepo("https://git.example.com/r.git")
    sha = repo.commit({"app": [cm("a")]}, author="Ada Lovelace", message="first")
    env = MemoryEnvironment(cluster, [repo])
    spec = parse_application_spec(
        {
            "source": {"repoURL": repo.url, "path": "app", "targetRevision": "main"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": NS},
        }
    )
    generated = env.generate(spec, RenderContext(app_name="a", namespace=NS), None)
    assert generated.revisions == (sha,)
    assert generated.commits[0].author == "Ada Lovelace"
    assert [o["metadata"]["name"] for o in generated.objects] == ["a"]
    assert env.cluster_for(Destination(name="in-cluster"))[0] is cluster
    with pytest.raises(SpecError):
        env.cluster_for(Destination(server="https://elsewhere"))
    assert env.memo_for("x") is env.memo_for("x")
