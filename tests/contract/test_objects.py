"""Create, read, update, delete: what every verb does to the object and its versions."""

from __future__ import annotations

import base64

import pytest

from gitopsd.errors import Conflict, Forbidden, Invalid, NotFound
from gitopsd.model.keys import GroupKind, ResourceKey
from tests.contract.conftest import Subject
from tests.contract.objects import configmap, deployment, managers, rv, widget


def test_apply_creates_with_the_servers_metadata(subject: Subject) -> None:
    created = subject.cluster.apply(configmap("settings", subject.namespace, {"mode": "fast"}))
    meta = created["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and meta["resourceVersion"]
    assert "generation" not in meta  # ConfigMaps do not count generations
    assert subject.cluster.get(subject.key("ConfigMap", "settings")) == created


def test_apply_without_changes_keeps_the_resource_version(subject: Subject) -> None:
    manifest = configmap("settings", subject.namespace, {"mode": "fast"})
    first = subject.cluster.apply(manifest)
    again = subject.cluster.apply(manifest)
    assert rv(again) == rv(first)


def test_every_change_takes_a_new_resource_version(subject: Subject) -> None:
    first = subject.cluster.apply(configmap("settings", subject.namespace, {"mode": "fast"}))
    changed = subject.cluster.apply(configmap("settings", subject.namespace, {"mode": "slow"}))
    patched = subject.cluster.merge_patch(
        subject.key("ConfigMap", "settings"), {"data": {"x": "1"}}
    )
    assert len({rv(first), rv(changed), rv(patched)}) == 3
    assert patched["data"] == {"mode": "slow", "x": "1"}


def test_generation_counts_spec_changes_only(subject: Subject) -> None:
    key = subject.key("Deployment", "web", "apps")
    created = subject.cluster.apply(deployment("web", subject.namespace))
    assert created["metadata"]["generation"] == 1
    labelled = deployment("web", subject.namespace)
    labelled["metadata"]["labels"] = {"team": "blue"}
    relabelled = subject.cluster.apply(labelled)
    assert relabelled["metadata"]["generation"] == 1
    assert rv(relabelled) != rv(created)
    scaled = deployment("web", subject.namespace, replicas=3)
    scaled["metadata"]["labels"] = {"team": "blue"}
    assert subject.cluster.apply(scaled)["metadata"]["generation"] == 2
    status = subject.cluster.patch_status(key, {"observedGeneration": 2, "replicas": 3})
    assert status["metadata"]["generation"] == 2
    assert status["status"]["observedGeneration"] == 2


def test_status_in_a_main_resource_write_is_ignored(subject: Subject) -> None:
    manifest = deployment("web", subject.namespace)
    manifest["status"] = {"replicas": 7}
    created = subject.cluster.apply(manifest)
    assert (created.get("status") or {}).get("replicas") != 7


def test_custom_resources_count_generations_and_keep_status_apart(widgets: Subject) -> None:
    subject = widgets
    key = subject.key("Widget", "gear", "contract.gitopsd.io")
    created = subject.cluster.apply(widget("gear", subject.namespace, size=1))
    assert created["metadata"]["generation"] == 1
    with_status = subject.cluster.patch_status(key, {"phase": "Ready"})
    assert with_status["metadata"]["generation"] == 1
    assert with_status["status"] == {"phase": "Ready"}
    resized = subject.cluster.apply(widget("gear", subject.namespace, size=2))
    assert resized["metadata"]["generation"] == 2
    assert resized["status"] == {"phase": "Ready"}


def test_a_replaced_status_keeps_nothing_of_the_old_one(widgets: Subject) -> None:
    subject = widgets
    key = subject.key("Widget", "gear", "contract.gitopsd.io")
    subject.cluster.apply(widget("gear", subject.namespace, size=1))
    subject.cluster.patch_status(key, {"health": {"status": "Progressing", "message": "wait"}})
    merged = subject.cluster.patch_status(key, {"health": {"status": "Healthy"}})
    assert merged["status"]["health"] == {"status": "Healthy", "message": "wait"}
    replaced = subject.cluster.replace_status(key, {"health": {"status": "Healthy"}})
    assert replaced["status"] == {"health": {"status": "Healthy"}}
    assert replaced["metadata"]["generation"] == 1


def test_get_of_a_missing_object_is_none(subject: Subject) -> None:
    assert subject.cluster.get(subject.key("ConfigMap", "absent")) is None


def test_create_refuses_an_existing_name(subject: Subject) -> None:
    subject.cluster.create(configmap("once", subject.namespace, {"a": "1"}))
    with pytest.raises(Conflict) as raised:
        subject.cluster.create(configmap("once", subject.namespace, {"a": "2"}))
    assert raised.value.status == 409
    assert subject.cluster.get(subject.key("ConfigMap", "once"))["data"] == {"a": "1"}  # type: ignore[index]


def test_create_in_a_missing_namespace_is_not_found(subject: Subject) -> None:
    missing = f"{subject.namespace}-missing"
    with pytest.raises(NotFound):
        subject.cluster.create(configmap("orphan", missing, {"a": "1"}))
    with pytest.raises(NotFound):
        subject.cluster.apply(configmap("orphan", missing, {"a": "1"}))
    assert subject.cluster.get(ResourceKey("", "ConfigMap", missing, "orphan")) is None


def test_replace_puts_the_whole_object(subject: Subject) -> None:
    subject.cluster.apply(configmap("whole", subject.namespace, {"a": "1", "b": "2"}))
    replaced = subject.cluster.replace(configmap("whole", subject.namespace, {"c": "3"}))
    assert replaced["data"] == {"c": "3"}


def test_replace_with_a_stale_resource_version_conflicts(subject: Subject) -> None:
    first = subject.cluster.apply(configmap("guarded", subject.namespace, {"a": "1"}))
    subject.cluster.apply(configmap("guarded", subject.namespace, {"a": "2"}))
    stale = configmap("guarded", subject.namespace, {"a": "3"}, resourceVersion=rv(first))
    with pytest.raises(Conflict):
        subject.cluster.replace(stale)
    assert subject.cluster.get(subject.key("ConfigMap", "guarded"))["data"] == {"a": "2"}  # type: ignore[index]


def test_replace_of_a_missing_object_creates_it(subject: Subject) -> None:
    created = subject.cluster.replace(configmap("fresh", subject.namespace, {"a": "1"}))
    assert created["metadata"]["uid"]


def test_merge_patch_deletes_keys_set_to_null(subject: Subject) -> None:
    subject.cluster.apply(configmap("patched", subject.namespace, {"a": "1", "b": "2"}))
    key = subject.key("ConfigMap", "patched")
    patched = subject.cluster.merge_patch(key, {"data": {"a": None, "c": "3"}})
    assert patched["data"] == {"b": "2", "c": "3"}


def test_merge_patch_with_a_stale_resource_version_conflicts(subject: Subject) -> None:
    first = subject.cluster.apply(configmap("patched", subject.namespace, {"a": "1"}))
    key = subject.key("ConfigMap", "patched")
    subject.cluster.merge_patch(key, {"data": {"a": "2"}})
    with pytest.raises(Conflict):
        subject.cluster.merge_patch(
            key, {"metadata": {"resourceVersion": rv(first)}, "data": {"a": "3"}}
        )


def test_merge_patch_of_a_missing_object_is_not_found(subject: Subject) -> None:
    with pytest.raises(NotFound):
        subject.cluster.merge_patch(subject.key("ConfigMap", "absent"), {"data": {"a": "1"}})


def test_delete_of_a_missing_object_is_not_an_error(subject: Subject) -> None:
    subject.cluster.delete(subject.key("ConfigMap", "absent"), propagation="Background")


def test_dry_run_apply_predicts_and_stores_nothing(subject: Subject) -> None:
    live = subject.cluster.apply(configmap("plan", subject.namespace, {"a": "1"}))
    predicted = subject.cluster.apply(
        configmap("plan", subject.namespace, {"a": "2"}), dry_run=True
    )
    assert predicted["data"] == {"a": "2"}
    assert rv(predicted) == rv(live)
    assert subject.cluster.get(subject.key("ConfigMap", "plan")) == live
    new = subject.cluster.apply(configmap("new", subject.namespace, {"a": "1"}), dry_run=True)
    assert new["data"] == {"a": "1"}
    assert subject.cluster.get(subject.key("ConfigMap", "new")) is None


def test_dry_run_create_replace_and_delete_store_nothing(subject: Subject) -> None:
    key = subject.key("ConfigMap", "kept")
    subject.cluster.create(configmap("other", subject.namespace, {"a": "1"}), dry_run=True)
    assert subject.cluster.get(subject.key("ConfigMap", "other")) is None
    live = subject.cluster.apply(configmap("kept", subject.namespace, {"a": "1"}))
    subject.cluster.replace(configmap("kept", subject.namespace, {"b": "2"}), dry_run=True)
    subject.cluster.delete(key, propagation="Background", dry_run=True)
    assert subject.cluster.get(key) == live


def test_list_filters_by_namespace_and_label_selector(subject: Subject) -> None:
    ns = subject.namespace
    # Every namespace of a real cluster also holds kube-root-ca.crt: select on "suite" too.
    for name, labels in (
        ("a", {"tier": "web", "env": "prod"}),
        ("b", {"tier": "db", "env": "prod"}),
        ("c", {"tier": "web"}),
    ):
        subject.cluster.apply(configmap(name, ns, {}, labels={"suite": "s", **labels}))
    kind = GroupKind("", "ConfigMap")

    def names(selector: str) -> list[str]:
        items = subject.cluster.list(kind, namespace=ns, label_selector=selector)
        assert all(i["kind"] == "ConfigMap" and i["apiVersion"] == "v1" for i in items)
        return sorted(i["metadata"]["name"] for i in items)

    assert names("tier=web") == ["a", "c"]
    assert names("tier==web,env=prod") == ["a"]
    assert names("suite=s,tier!=web") == ["b"]
    assert names("env") == ["a", "b"]
    assert names("suite,!env") == ["c"]
    assert names("tier in (db,cache)") == ["b"]
    assert names("suite=s,tier notin (db)") == ["a", "c"]


def test_a_secrets_string_data_is_stored_as_data(subject: Subject) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": subject.namespace},
        "stringData": {"password": "s3cret"},
    }
    stored = subject.cluster.apply(secret)
    assert "stringData" not in stored
    assert base64.b64decode(stored["data"]["password"]) == b"s3cret"


def test_a_new_namespace_is_active_and_labelled_with_its_name(subject: Subject) -> None:
    namespace = subject.cluster.get(ResourceKey("", "Namespace", "", subject.namespace))
    assert namespace is not None
    assert namespace["status"]["phase"] == "Active"
    assert namespace["metadata"]["labels"]["kubernetes.io/metadata.name"] == subject.namespace


def test_an_invalid_name_is_refused_and_nothing_written(subject: Subject) -> None:
    with pytest.raises(Invalid) as raised:
        subject.cluster.apply(configmap("Not_Valid", subject.namespace, {"a": "1"}))
    assert raised.value.status == 422
    listed = subject.cluster.list(GroupKind("", "ConfigMap"), namespace=subject.namespace)
    assert [
        i["metadata"]["name"] for i in listed if i["metadata"]["name"] != "kube-root-ca.crt"
    ] == []


def test_an_invalid_label_value_is_refused(subject: Subject) -> None:
    with pytest.raises(Invalid):
        subject.cluster.apply(configmap("labelled", subject.namespace, {}, labels={"a": "b c"}))
    assert subject.cluster.get(subject.key("ConfigMap", "labelled")) is None


def test_an_immutable_field_cannot_change(subject: Subject) -> None:
    live = subject.cluster.apply(deployment("web", subject.namespace, app="web"))
    with pytest.raises(Invalid) as raised:
        subject.cluster.apply(deployment("web", subject.namespace, app="other"))
    assert raised.value.status == 422
    # Not the resourceVersion: a real Deployment controller writes status meanwhile.
    after = subject.cluster.get(subject.key("Deployment", "web", "apps"))
    assert after is not None
    assert after["spec"]["selector"] == live["spec"]["selector"]
    assert after["metadata"]["generation"] == live["metadata"]["generation"]


def test_an_immutable_configmap_keeps_its_data(subject: Subject) -> None:
    frozen = configmap("frozen", subject.namespace, {"a": "1"})
    frozen["immutable"] = True
    subject.cluster.apply(frozen)
    changed = configmap("frozen", subject.namespace, {"a": "2"})
    changed["immutable"] = True
    with pytest.raises(Invalid):
        subject.cluster.apply(changed)
    assert subject.cluster.get(subject.key("ConfigMap", "frozen"))["data"] == {"a": "1"}  # type: ignore[index]


def test_a_dry_run_of_a_new_object_has_no_resource_version(subject: Subject) -> None:
    predicted = subject.cluster.apply(
        configmap("future", subject.namespace, {"a": "1"}), dry_run=True
    )
    assert not predicted["metadata"].get("resourceVersion")
    assert predicted["metadata"]["name"] == "future"


def test_a_write_without_a_field_manager_is_recorded_under_the_clients_name(
    subject: Subject,
) -> None:
    subject.cluster.apply(configmap("named", subject.namespace, {"a": "1"}))
    patched = subject.cluster.merge_patch(subject.key("ConfigMap", "named"), {"data": {"a": "2"}})
    updaters = sorted(m for (m, op) in managers(patched) if op == "Update")
    assert updaters == ["OpenAPI-Generator"]


def test_a_terminating_namespace_refuses_new_objects(subject: Subject) -> None:
    namespace = f"{subject.namespace}-t"
    ns_key = ResourceKey("", "Namespace", "", namespace)
    subject.cluster.apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    )
    held = ResourceKey("", "ConfigMap", namespace, "held")
    subject.cluster.apply(configmap("held", namespace, {}, finalizers=["contract.gitopsd.io/hold"]))
    subject.cluster.delete(ns_key, propagation="Background")

    def terminating() -> bool:
        found = subject.cluster.get(ns_key)
        return found is not None and (found.get("status") or {}).get("phase") == "Terminating"

    subject.eventually(terminating, what="the namespace to be terminating")
    with pytest.raises(Forbidden) as raised:
        subject.cluster.create(configmap("late", namespace, {"a": "1"}))
    assert raised.value.status == 403
    subject.cluster.merge_patch(held, {"metadata": {"finalizers": None}})
    subject.eventually(lambda: subject.cluster.get(ns_key) is None, what="the namespace gone")
