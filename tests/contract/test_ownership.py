"""Server-side apply: who owns which field, conflicts, forced take-overs, removals."""

from __future__ import annotations

import pytest

from gitopsd.errors import Conflict
from tests.contract.conftest import Subject
from tests.contract.objects import configmap, deployment, managers, rv


def test_an_applier_owns_exactly_the_fields_it_applied(subject: Subject) -> None:
    applied = subject.cluster.apply(
        configmap("owned", subject.namespace, {"a": "1"}, labels={"team": "blue"}),
        field_manager="alice",
    )
    fields = managers(applied)[("alice", "Apply")]
    assert set(fields["f:data"]) - {"."} == {"f:a"}
    assert set(fields["f:metadata"]["f:labels"]) - {"."} == {"f:team"}


def test_a_different_value_in_a_field_another_manager_owns_conflicts(subject: Subject) -> None:
    ns = subject.namespace
    live = subject.cluster.apply(configmap("shared", ns, {"a": "1"}), field_manager="alice")
    with pytest.raises(Conflict) as raised:
        subject.cluster.apply(configmap("shared", ns, {"a": "2"}), field_manager="bob", force=False)
    assert raised.value.status == 409
    assert "alice" in str(raised.value)
    assert rv(subject.cluster.get(subject.key("ConfigMap", "shared"))) == rv(live)


def test_forcing_takes_the_field_over(subject: Subject) -> None:
    ns = subject.namespace
    subject.cluster.apply(configmap("shared", ns, {"a": "1", "b": "1"}), field_manager="alice")
    taken = subject.cluster.apply(configmap("shared", ns, {"a": "2"}), field_manager="bob")
    owners = managers(taken)
    assert "f:a" in owners[("bob", "Apply")]["f:data"]
    assert "f:a" not in owners[("alice", "Apply")]["f:data"]
    assert "f:b" in owners[("alice", "Apply")]["f:data"]
    assert taken["data"] == {"a": "2", "b": "1"}


def test_the_same_value_is_owned_together_without_conflict(subject: Subject) -> None:
    ns = subject.namespace
    subject.cluster.apply(configmap("shared", ns, {"a": "1"}), field_manager="alice")
    both = subject.cluster.apply(
        configmap("shared", ns, {"a": "1"}), field_manager="bob", force=False
    )
    owners = managers(both)
    assert "f:a" in owners[("alice", "Apply")]["f:data"]
    assert "f:a" in owners[("bob", "Apply")]["f:data"]


def test_a_field_the_applier_drops_is_removed(subject: Subject) -> None:
    ns = subject.namespace
    subject.cluster.apply(
        configmap("trim", ns, {"a": "1", "b": "2"}, labels={"x": "1"}), field_manager="alice"
    )
    trimmed = subject.cluster.apply(configmap("trim", ns, {"a": "1"}), field_manager="alice")
    assert trimmed["data"] == {"a": "1"}
    assert "x" not in (trimmed["metadata"].get("labels") or {})


def test_a_dropped_field_another_manager_owns_stays(subject: Subject) -> None:
    ns = subject.namespace
    subject.cluster.apply(configmap("keep", ns, {"a": "1", "b": "2"}), field_manager="alice")
    subject.cluster.apply(configmap("keep", ns, {"b": "2"}), field_manager="bob", force=False)
    kept = subject.cluster.apply(configmap("keep", ns, {"a": "1"}), field_manager="alice")
    assert kept["data"] == {"a": "1", "b": "2"}


def test_an_update_takes_the_fields_it_changed(subject: Subject) -> None:
    ns = subject.namespace
    key = subject.key("ConfigMap", "edited")
    subject.cluster.apply(configmap("edited", ns, {"a": "1", "b": "1"}), field_manager="alice")
    patched = subject.cluster.merge_patch(key, {"data": {"a": "2"}})
    updaters = [m for (m, op) in managers(patched) if op == "Update"]
    assert len(updaters) == 1
    assert "f:a" in managers(patched)[(updaters[0], "Update")]["f:data"]
    assert "f:a" not in managers(patched)[("alice", "Apply")]["f:data"]
    with pytest.raises(Conflict):
        subject.cluster.apply(
            configmap("edited", ns, {"a": "1", "b": "1"}), field_manager="alice", force=False
        )
    healed = subject.cluster.apply(
        configmap("edited", ns, {"a": "1", "b": "1"}), field_manager="alice"
    )
    assert healed["data"] == {"a": "1", "b": "1"}
    assert "f:a" in managers(healed)[("alice", "Apply")]["f:data"]


def test_containers_merge_by_name(subject: Subject) -> None:
    ns = subject.namespace
    subject.cluster.apply(deployment("web", ns), field_manager="alice")
    sidecar = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "template": {"spec": {"containers": [{"name": "proxy", "image": "example/proxy:1"}]}}
        },
    }
    merged = subject.cluster.apply(sidecar, field_manager="bob")
    containers = merged["spec"]["template"]["spec"]["containers"]
    assert sorted(c["name"] for c in containers) == ["proxy", "web"]
    tree = managers(merged)[("bob", "Apply")]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert list(tree) == ['k:{"name":"proxy"}']


def test_create_makes_the_creator_own_everything(subject: Subject) -> None:
    created = subject.cluster.create(configmap("made", subject.namespace, {"a": "1"}))
    entries = created["metadata"]["managedFields"]
    assert [(e["manager"], e["operation"]) for e in entries] == [("gitopsd", "Update")]
    assert "f:a" in entries[0]["fieldsV1"]["f:data"]
