"""Scenarios: the order of a sync (phases, waves, kinds), health gating, and the
incremental-reconciliation invariant. Each asserts the exact writes of each pass."""

from __future__ import annotations

from tests.unit.engine.harness import AUTO, Engine, annotated, configmap, deployment


def test_a_first_sync_applies_everything_in_kind_order_then_succeeds() -> None:
    engine = Engine([deployment("api"), configmap("settings")])
    engine.sync()
    engine.start()
    first = engine.reconcile()
    assert first.writes == ["apply ConfigMap/web/settings", "apply Deployment/web/api"]
    assert first.phase == "Running"
    second = engine.reconcile()
    assert second.writes == []
    assert second.phase == "Succeeded"
    assert engine.status()["sync"]["status"] == "Synced"
    assert len(engine.status()["history"]) == 1


def test_a_second_pass_over_unchanged_inputs_makes_no_dry_run_and_no_write() -> None:
    engine = Engine([configmap("settings"), deployment("api")], sync_policy=AUTO)
    engine.run()
    engine.roll_out("api")
    seen = engine.reconcile()  # the controller's status write changed the Deployment
    assert seen.writes == []
    assert seen.dry_runs == ["apply dry-run Deployment/web/api"]
    quiet = engine.reconcile()
    assert quiet.writes == []
    assert quiet.dry_runs == []
    assert engine.status()["sync"]["status"] == "Synced"
    assert engine.status()["health"]["status"] == "Healthy"


def test_waves_are_applied_one_per_pass() -> None:
    engine = Engine(
        [
            annotated(configmap("c"), sync_wave="2"),
            annotated(configmap("a"), sync_wave="0"),
            annotated(configmap("b"), sync_wave="1"),
        ]
    )
    engine.sync()
    engine.start()
    passes = [engine.reconcile() for _ in range(4)]
    assert [p.writes for p in passes] == [
        ["apply ConfigMap/web/a"],
        ["apply ConfigMap/web/b"],
        ["apply ConfigMap/web/c"],
        [],
    ]
    assert [p.phase for p in passes] == ["Running", "Running", "Running", "Succeeded"]


def test_negative_waves_come_before_the_default_wave() -> None:
    engine = Engine([configmap("default"), annotated(configmap("early"), sync_wave="-1")])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["apply ConfigMap/web/early"]
    assert engine.reconcile().writes == ["apply ConfigMap/web/default"]


def test_the_next_wave_waits_until_the_previous_one_is_healthy() -> None:
    engine = Engine([deployment("api"), annotated(configmap("after"), sync_wave="1")])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["apply Deployment/web/api"]
    waiting = engine.reconcile()
    assert waiting.writes == []
    assert waiting.phase == "Running"
    assert "waiting for Sync wave 0" in engine.operation_state()["message"]
    engine.roll_out("api")
    assert engine.reconcile().writes == ["apply ConfigMap/web/after"]
    assert engine.reconcile().phase == "Succeeded"


def test_a_degraded_wave_blocks_the_next_one_without_failing_the_operation() -> None:
    from gitopsd.memory import controllers
    from gitopsd.model.keys import ResourceKey

    engine = Engine([deployment("api"), annotated(configmap("after"), sync_wave="1")])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["apply Deployment/web/api"]
    controllers.stall(engine.cluster, ResourceKey("apps", "Deployment", "web", "api"))
    for _ in range(3):
        blocked = engine.reconcile()
        assert blocked.writes == []
        assert blocked.phase == "Running"
    assert engine.live("ConfigMap", "after") is None


def test_a_selective_sync_writes_only_the_listed_resources() -> None:
    engine = Engine([configmap("a"), configmap("b"), configmap("c")])
    engine.sync(resources=[{"group": "", "kind": "ConfigMap", "name": "b", "namespace": "web"}])
    engine.start()
    assert engine.reconcile().writes == ["apply ConfigMap/web/b"]
    assert engine.reconcile().phase == "Succeeded"
    assert engine.live("ConfigMap", "a") is None


def test_a_dry_run_operation_asks_the_server_and_writes_nothing() -> None:
    engine = Engine([configmap("a"), deployment("api")])
    engine.sync(dryRun=True)
    engine.start()
    record = engine.reconcile()
    assert record.writes == []
    assert record.dry_runs == ["apply dry-run ConfigMap/web/a", "apply dry-run Deployment/web/api"]
    assert record.phase == "Succeeded"
    assert engine.live("ConfigMap", "a") is None
    assert not engine.status().get("history")


def test_drift_on_one_object_rewrites_that_object_only() -> None:
    engine = Engine([configmap("a"), configmap("b")], sync_policy=AUTO)
    engine.run()
    engine.cluster.edit(_key("b"), lambda o: o["data"].update(name="edited"))
    engine.advance(60)
    engine.start()
    assert engine.reconcile().writes == ["apply ConfigMap/web/b"]
    healed = engine.reconcile()
    assert healed.writes == []
    assert healed.phase == "Succeeded"
    assert engine.live("ConfigMap", "b")["data"] == {"name": "b"}  # type: ignore[index]


def test_a_new_commit_writes_only_the_objects_it_changed() -> None:
    engine = Engine([configmap("a"), configmap("b")], sync_policy=AUTO)
    engine.run()
    engine.commit([configmap("a", {"name": "a2"}), configmap("b")])
    engine.advance(120)
    recorded = engine.start()  # the automated sync is recorded by the pass deciding it
    assert recorded.dry_runs == ["apply dry-run ConfigMap/web/a"]
    record = engine.reconcile()
    assert record.writes == ["apply ConfigMap/web/a"]
    assert record.dry_runs == []


def _key(name: str) -> object:
    from gitopsd.model.keys import ResourceKey

    return ResourceKey("", "ConfigMap", "web", name)
