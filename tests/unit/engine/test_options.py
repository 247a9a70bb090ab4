"""Scenarios: every sync option, with the writes it leads to."""

from __future__ import annotations

import copy

from gitopsd.memory import Fault, FaultKind, Verb
from gitopsd.memory.clock import rfc3339
from gitopsd.model.keys import GroupKind, ResourceKey
from tests.unit.engine.harness import Engine, annotated, configmap, deployment, job

CM = GroupKind("", "ConfigMap")


def _synced(objects: list[dict], **kwargs: object) -> Engine:
    engine = Engine(objects, **kwargs)  # type: ignore[arg-type]
    engine.sync()
    engine.run()
    return engine


def _options(*options: str) -> dict[str, object]:
    return {"syncOptions": list(options)}


def test_prune_deletes_what_git_no_longer_has_in_reverse_sync_order() -> None:
    engine = _synced(
        [configmap("keep"), annotated(configmap("w1"), sync_wave="1"), configmap("w0")]
    )
    engine.commit([configmap("keep")])
    engine.sync(prune=True)
    engine.start()
    record = engine.reconcile()
    assert record.writes == [
        "delete ConfigMap/web/w1 (Foreground)",
        "delete ConfigMap/web/w0 (Foreground)",
    ]
    assert record.phase == "Succeeded"
    assert engine.results() == {"ConfigMap/w1": "pruned", "ConfigMap/w0": "pruned"}


def test_without_prune_nothing_is_deleted_and_the_object_requires_pruning() -> None:
    engine = _synced([configmap("keep"), configmap("old")])
    engine.commit([configmap("keep")])
    engine.sync()
    engine.start()
    record = engine.reconcile()
    assert record.writes == []
    assert engine.live("ConfigMap", "old") is not None
    assert engine.status()["sync"]["status"] == "OutOfSync"


def test_prune_false_on_an_object_keeps_it() -> None:
    old = annotated(configmap("old"), sync_options="Prune=false")
    engine = _synced([configmap("keep"), old])
    engine.commit([configmap("keep")])
    engine.sync(prune=True)
    engine.start()
    record = engine.reconcile()
    assert record.writes == []
    assert record.phase == "Succeeded"
    assert engine.results()["ConfigMap/old"] == "skipped"
    assert engine.live("ConfigMap", "old") is not None


def test_prune_confirm_waits_for_an_approval_newer_than_the_need() -> None:
    old = annotated(configmap("old"), sync_options="Prune=confirm")
    engine = _synced([configmap("keep"), old])
    engine.commit([configmap("keep")])
    stale_approval = rfc3339(engine.clock.now())
    engine.advance(5)
    engine.annotate(**{"gitopsd.io/prune-confirmed-at": stale_approval})
    engine.sync(prune=True)
    engine.start()
    waiting = engine.reconcile()
    assert waiting.writes == []
    assert engine.live("ConfigMap", "old") is not None
    engine.advance(30)
    engine.annotate(**{"gitopsd.io/prune-confirmed-at": rfc3339(engine.clock.now())})
    engine.advance(1)
    engine.sync(prune=True)
    engine.start()
    assert engine.reconcile().writes == ["delete ConfigMap/web/old (Foreground)"]


def test_prune_last_deletes_after_the_postsync_hooks() -> None:
    old = annotated(configmap("old"), sync_options="PruneLast=true")
    engine = _synced([configmap("keep"), old])
    engine.commit([configmap("keep"), job("smoke", "PostSync")])
    engine.sync(prune=True)
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/smoke"]
    assert engine.reconcile().writes == []
    engine.complete_job("smoke")
    last = engine.reconcile()
    assert last.writes == ["delete ConfigMap/web/old (Foreground)"]
    assert last.phase == "Succeeded"


def test_prune_last_on_the_application_applies_to_every_pruned_object() -> None:
    engine = _synced([configmap("keep"), configmap("old")], sync_policy=_options("PruneLast=true"))
    engine.commit([configmap("keep"), job("smoke", "PostSync")])
    engine.sync(prune=True)
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/smoke"]
    engine.complete_job("smoke")
    assert engine.reconcile().writes == ["delete ConfigMap/web/old (Foreground)"]


def test_prune_propagation_policy_chooses_the_delete_propagation() -> None:
    for policy, expected in (("background", "Background"), ("orphan", "Orphan")):
        engine = _synced(
            [configmap("keep"), configmap("old")],
            sync_policy=_options(f"PrunePropagationPolicy={policy}"),
        )
        engine.commit([configmap("keep")])
        engine.sync(prune=True)
        engine.start()
        assert engine.reconcile().writes == [f"delete ConfigMap/web/old ({expected})"]


def test_delete_false_is_never_pruned() -> None:
    old = annotated(configmap("old"), sync_options="Delete=false")
    engine = _synced([configmap("keep"), old])
    engine.commit([configmap("keep")])
    engine.sync(prune=True)
    engine.start()
    assert engine.reconcile().writes == []
    assert engine.live("ConfigMap", "old") is not None


def test_replace_creates_then_puts_the_whole_object() -> None:
    engine = Engine([configmap("a")], sync_policy=_options("Replace=true"))
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create ConfigMap/web/a"]
    engine.run()
    engine.commit([configmap("a", {"name": "changed"})])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["replace ConfigMap/web/a"]
    assert engine.live("ConfigMap", "a")["data"] == {"name": "changed"}  # type: ignore[index]


def test_replace_with_force_recreates_an_object_whose_immutable_field_changed() -> None:
    engine = _synced([deployment("api")], sync_policy=_options("Replace=true", "Force=true"))
    moved = deployment("api")
    moved["spec"]["selector"]["matchLabels"] = {"app": "api-v2"}
    moved["spec"]["template"]["metadata"]["labels"] = {"app": "api-v2"}
    engine.commit([moved])
    engine.sync()
    engine.start()
    first = engine.reconcile()
    assert first.writes == [
        "replace Deployment/web/api -> Invalid",
        "delete Deployment/web/api (Foreground)",
    ]
    assert engine.reconcile().writes == ["create Deployment/web/api"]
    live = engine.live("Deployment", "api", "apps")
    assert live is not None and live["spec"]["selector"]["matchLabels"] == {"app": "api-v2"}


def test_replace_without_force_fails_on_an_immutable_field() -> None:
    engine = _synced([deployment("api")], sync_policy=_options("Replace=true"))
    moved = deployment("api")
    moved["spec"]["selector"]["matchLabels"] = {"app": "api-v2"}
    engine.commit([moved])
    engine.sync()
    engine.start()
    record = engine.reconcile()
    assert record.writes == ["replace Deployment/web/api -> Invalid"]
    assert record.phase == "Failed"


def test_server_side_apply_writes_as_gitopsd_with_forced_conflicts() -> None:
    engine = Engine([configmap("a")], sync_policy=_options("ServerSideApply=true"))
    engine.sync()
    engine.start()
    record = engine.reconcile()
    assert record.writes == ["apply ConfigMap/web/a"]
    call = next(c for c in record.calls if c.write)
    assert (call.field_manager, call.force, call.field_validation) == ("gitopsd", True, "Strict")


def test_validate_false_asks_the_server_to_ignore_unknown_fields() -> None:
    engine = Engine([configmap("a")], sync_policy=_options("Validate=false"))
    engine.sync()
    engine.start()
    record = engine.reconcile()
    assert [c.field_validation for c in record.calls if c.write] == ["Ignore"]


def test_apply_out_of_sync_only_leaves_objects_in_sync_alone() -> None:
    engine = _synced(
        [configmap("a"), configmap("b")], sync_policy=_options("ApplyOutOfSyncOnly=true")
    )
    engine.commit([configmap("a"), configmap("b", {"name": "changed"})])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["apply ConfigMap/web/b"]


def test_create_namespace_creates_the_destination_first_with_its_metadata() -> None:
    policy = {
        "syncOptions": ["CreateNamespace=true"],
        "managedNamespaceMetadata": {"labels": {"team": "web"}},
    }
    engine = Engine([configmap("a")], sync_policy=policy, create_namespace=False)
    engine.sync()
    engine.start()
    record = engine.reconcile()
    assert record.writes == ["apply Namespace/web", "apply ConfigMap/web/a"]
    namespace = engine.cluster.stored(ResourceKey("", "Namespace", "", "web"))
    assert namespace is not None and namespace["metadata"]["labels"]["team"] == "web"
    assert engine.reconcile().writes == []


def test_without_create_namespace_a_missing_namespace_fails_the_sync() -> None:
    engine = Engine([configmap("a")], create_namespace=False)
    engine.sync()
    engine.start()
    record = engine.reconcile()
    assert record.writes == ["apply ConfigMap/web/a -> NotFound"]
    assert record.phase == "Failed"
    assert engine.cluster.keys("ConfigMap") == []


def test_fail_on_shared_resource_refuses_an_object_another_app_tracks() -> None:
    engine = Engine(
        [configmap("a"), configmap("b")], sync_policy=_options("FailOnSharedResource=true")
    )
    _plant_foreign(engine, "a")
    engine.sync()
    engine.start()
    record = engine.reconcile()
    assert record.writes == ["apply ConfigMap/web/b"]
    assert record.phase == "Failed"
    assert "FailOnSharedResource" in engine.operation_state()["message"]
    assert engine.live("ConfigMap", "a")["data"] == {"owner": "other"}  # type: ignore[index]


def test_a_shared_resource_is_reported_and_taken_over_without_the_option() -> None:
    engine = Engine([configmap("a")])
    _plant_foreign(engine, "a")
    engine.sync()
    engine.start()
    record = engine.reconcile()
    assert record.writes == ["apply ConfigMap/web/a"]
    conditions = [c["type"] for c in record.result.status.get("conditions") or []]
    assert "SharedResourceWarning" in conditions


def test_respect_ignore_differences_keeps_the_ignored_field_at_apply() -> None:
    spec = {
        "ignoreDifferences": [
            {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}
        ]
    }
    for respect, replicas in ((True, 5), (False, 1)):
        options = ["RespectIgnoreDifferences=true"] if respect else []
        engine = _synced([deployment("api")], sync_policy=_options(*options), spec=spec)
        key = ResourceKey("apps", "Deployment", "web", "api")
        engine.cluster.edit(key, lambda o: o["spec"].update(replicas=5), manager="autoscaler")
        assert engine.reconcile().writes == []
        assert engine.status()["sync"]["status"] == "Synced"
        engine.commit([deployment("api", image="example/web:2")])
        engine.sync()
        engine.start()
        assert engine.reconcile().writes == ["apply Deployment/web/api"]
        assert engine.live("Deployment", "api", "apps")["spec"]["replicas"] == replicas  # type: ignore[index]


def test_skip_dry_run_on_missing_resource_never_applies_a_kind_the_cluster_does_not_serve() -> None:
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 1},
    }
    engine = Engine(
        [configmap("a"), widget], sync_policy=_options("SkipDryRunOnMissingResource=true")
    )
    with engine.cluster.unrecorded():
        engine.cluster.apply(_widget_crd())
    engine.cluster.hide_kind(GroupKind("example.com", "Widget"))
    engine.sync()
    engine.start()
    first = engine.reconcile()
    # A kind the cluster does not serve, and no CRD of this sync defines, is never applied,
    # not even tried (its scope, and so the project check, would be a guess): it fails the
    # sync naming the kind, rather than waiting for it forever.
    assert first.writes == ["apply ConfigMap/web/a"]
    assert first.dry_runs == []
    assert first.phase == "Failed"
    assert engine.results() == {"ConfigMap/a": "created", "Widget/w": "failed"}
    assert engine.operation_state()["message"].startswith(
        "Widget/web/w: kind Widget.example.com is not served by the cluster and no "
        "CustomResourceDefinition in the manifests defines it: install "
    )
    engine.cluster.serve_kind(GroupKind("example.com", "Widget"))
    engine.sync()
    engine.start()
    second = engine.reconcile()
    assert second.writes == ["apply Widget/web/w"]
    assert engine.reconcile().phase == "Succeeded"


def test_a_custom_resource_whose_crd_comes_in_the_same_wave_waits_for_the_kind() -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    engine = Engine([_widget_crd(), widget])
    engine.cluster.inject(Fault(FaultKind.NOT_SERVED, verb=Verb.APPLY, group_kind_name="Widget"))
    engine.sync()
    engine.start()
    first = engine.reconcile()
    assert first.writes == [
        "apply CustomResourceDefinition/widgets.example.com",
        "apply Widget/web/w -> NotFound",
    ]
    assert first.phase == "Running"
    assert engine.reconcile().writes == ["apply Widget/web/w"]


def _plant_foreign(engine: Engine, name: str) -> None:
    foreign = copy.deepcopy(configmap(name, {"owner": "other"}))
    foreign["metadata"]["namespace"] = "web"
    foreign["metadata"]["labels"] = {"gitopsd.io/app": "gitopsd_other"}
    foreign["metadata"]["annotations"] = {
        "gitopsd.io/tracking-id": f"gitopsd_other:/ConfigMap:web/{name}"
    }
    with engine.cluster.unrecorded():
        engine.cluster.apply(foreign, field_manager="other")


def _widget_crd() -> dict[str, object]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"kind": "Widget", "plural": "widgets"},
            "versions": [{"name": "v1", "served": True, "storage": True}],
        },
    }


def test_a_failed_delete_while_recreating_fails_the_operation_instead_of_raising() -> None:
    engine = _synced([deployment("api")], sync_policy=_options("Replace=true", "Force=true"))
    moved = deployment("api")
    moved["spec"]["selector"]["matchLabels"] = {"app": "api-v2"}
    moved["spec"]["template"]["metadata"]["labels"] = {"app": "api-v2"}
    engine.commit([moved])
    engine.sync()
    engine.start()
    engine.cluster.inject(Fault(FaultKind.UNAVAILABLE, verb=Verb.DELETE))
    record = engine.reconcile()
    assert record.writes == [
        "replace Deployment/web/api -> Invalid",
        "delete Deployment/web/api (Foreground) -> ClusterError",
    ]
    assert record.phase == "Failed"
