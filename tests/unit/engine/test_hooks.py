"""Scenarios: hooks in every phase, their delete policies, timeouts and failures."""

from __future__ import annotations

from gitopsd.model.keys import ResourceKey
from tests.unit.engine.harness import Engine, annotated, configmap, job


def test_a_presync_hook_runs_to_completion_before_anything_is_applied() -> None:
    engine = Engine([configmap("settings"), job("migrate", "PreSync")])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/migrate"]
    running = engine.reconcile()
    assert running.writes == []
    assert running.phase == "Running"
    engine.complete_job("migrate")
    assert engine.reconcile().writes == ["apply ConfigMap/web/settings"]
    assert engine.reconcile().phase == "Succeeded"
    assert engine.live("Job", "migrate", "batch") is not None  # BeforeHookCreation keeps it


def test_a_postsync_hook_starts_once_the_sync_phase_is_done() -> None:
    engine = Engine([configmap("settings"), job("smoke", "PostSync")])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["apply ConfigMap/web/settings"]
    assert engine.reconcile().writes == ["create Job/web/smoke"]
    assert engine.reconcile().phase == "Running"
    engine.complete_job("smoke")
    done = engine.reconcile()
    assert done.writes == []
    assert done.phase == "Succeeded"
    assert engine.results()["Job/smoke"] == "created"


def test_a_sync_hook_is_created_in_its_wave_with_the_objects() -> None:
    engine = Engine([configmap("settings"), job("seed", "Sync")])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["apply ConfigMap/web/settings", "create Job/web/seed"]
    engine.complete_job("seed")
    assert engine.reconcile().phase == "Succeeded"


def test_hook_succeeded_deletes_the_hook_once_it_has_succeeded() -> None:
    engine = Engine(
        [configmap("settings"), job("migrate", "PreSync", delete_policy="HookSucceeded")]
    )
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/migrate"]
    engine.complete_job("migrate")
    record = engine.reconcile()
    assert record.writes == ["delete Job/web/migrate (Background)", "apply ConfigMap/web/settings"]
    assert engine.live("Job", "migrate", "batch") is None
    final = engine.reconcile()
    assert final.writes == []
    assert final.phase == "Succeeded"
    assert engine.results()["Job/migrate"] == "created"


def test_hook_failed_deletes_a_failed_hook_and_the_operation_fails() -> None:
    engine = Engine([configmap("settings"), job("migrate", "PreSync", delete_policy="HookFailed")])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/migrate"]
    engine.fail_job("migrate")
    record = engine.reconcile()
    assert record.writes == ["delete Job/web/migrate (Background)"]
    assert record.phase == "Failed"
    assert engine.live("ConfigMap", "settings") is None


def test_hook_failed_keeps_a_hook_that_succeeded() -> None:
    engine = Engine([configmap("settings"), job("migrate", "PreSync", delete_policy="HookFailed")])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/migrate"]
    engine.complete_job("migrate")
    assert engine.reconcile().writes == ["apply ConfigMap/web/settings"]
    assert engine.live("Job", "migrate", "batch") is not None


def test_before_hook_creation_replaces_the_hook_left_by_an_earlier_operation() -> None:
    engine = Engine([configmap("settings"), job("migrate", "PreSync")])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/migrate"]
    engine.complete_job("migrate")
    engine.run()
    engine.advance(10)
    engine.sync()
    engine.start()
    replaced = engine.reconcile()
    assert replaced.writes == ["delete Job/web/migrate (Background)"]
    recreated = engine.reconcile()
    assert recreated.writes == ["create Job/web/migrate"]
    job_now = engine.live("Job", "migrate", "batch")
    assert job_now is not None and "status" not in job_now


def test_a_failed_hook_runs_the_syncfail_hooks_and_stops_later_phases() -> None:
    engine = Engine(
        [
            configmap("settings"),
            job("migrate", "PreSync"),
            job("notify", "SyncFail"),
            job("smoke", "PostSync"),
        ]
    )
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/migrate"]
    engine.fail_job("migrate")
    record = engine.reconcile()
    assert record.writes == ["create Job/web/notify"]
    assert record.phase == "Failed"
    assert engine.live("ConfigMap", "settings") is None
    assert engine.live("Job", "smoke", "batch") is None


def test_an_apply_failure_runs_the_syncfail_hooks() -> None:
    from gitopsd.memory import Fault, FaultKind, Verb

    engine = Engine([configmap("settings"), job("notify", "SyncFail")])
    engine.cluster.inject(
        Fault(FaultKind.INVALID, verb=Verb.APPLY, name="settings", dry_run=False, times=None)
    )
    engine.sync()
    engine.start()
    record = engine.reconcile()
    assert record.writes == ["apply ConfigMap/web/settings -> Invalid", "create Job/web/notify"]
    assert record.phase == "Failed"
    assert "ConfigMap/web/settings" in engine.operation_state()["message"]


def test_a_hook_running_past_its_timeout_fails_the_operation() -> None:
    slow = job("migrate", "PreSync")
    slow["metadata"]["annotations"]["gitopsd.io/hook-timeout"] = "30s"
    engine = Engine([configmap("settings"), slow])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/migrate"]
    engine.advance(20)
    assert engine.reconcile().phase == "Running"
    engine.advance(20)
    timed_out = engine.reconcile()
    assert timed_out.phase == "Failed"
    assert timed_out.writes == []
    assert "timed out" in engine.operation_state()["message"]


def test_a_hook_whose_name_another_owner_holds_fails_without_touching_it() -> None:
    engine = Engine([configmap("settings"), job("migrate", "PreSync")])
    foreign = job("migrate", "PreSync")
    foreign["metadata"]["namespace"] = "web"
    with engine.cluster.unrecorded():
        engine.cluster.create(foreign)
    engine.sync()
    engine.start()
    record = engine.reconcile()
    assert record.writes == []
    assert record.phase == "Failed"
    assert "does not own" in engine.operation_state()["message"]
    assert engine.live("Job", "migrate", "batch") is not None


def test_a_generate_name_hook_is_created_once_under_a_stable_name() -> None:
    hook = job("ignored", "PreSync")
    hook["metadata"] = {"generateName": "migrate-", "annotations": hook["metadata"]["annotations"]}
    engine = Engine([configmap("settings"), hook])
    engine.sync()
    engine.start()
    created = engine.reconcile()
    assert len(created.writes) == 1
    assert created.writes[0].startswith("create Job/web/migrate-")
    name = created.writes[0].rsplit("/", 1)[1]
    assert engine.reconcile().writes == []
    engine.complete_job(name)
    assert engine.reconcile().writes == ["apply ConfigMap/web/settings"]


def test_a_pod_hook_is_followed_through_its_phase() -> None:
    from gitopsd.memory import controllers

    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "check", "annotations": {"argocd.argoproj.io/hook": "PreSync"}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "example/c:1"}]},
    }
    engine = Engine([configmap("settings"), pod])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Pod/web/check"]
    controllers.pod_phase(engine.cluster, ResourceKey("", "Pod", "web", "check"), "Running")
    assert engine.reconcile().writes == []
    controllers.pod_phase(engine.cluster, ResourceKey("", "Pod", "web", "check"), "Succeeded")
    assert engine.reconcile().writes == ["apply ConfigMap/web/settings"]


def test_hooks_are_left_out_of_a_selective_sync() -> None:
    engine = Engine([configmap("settings"), job("migrate", "PreSync")])
    engine.sync(resources=[{"kind": "ConfigMap", "name": "settings", "namespace": "web"}])
    engine.start()
    assert engine.reconcile().writes == ["apply ConfigMap/web/settings"]
    assert engine.reconcile().phase == "Succeeded"
    assert engine.live("Job", "migrate", "batch") is None


def test_hooks_in_later_waves_wait_for_earlier_waves() -> None:
    engine = Engine(
        [
            annotated(job("first", "PreSync"), sync_wave="-1"),
            job("second", "PreSync"),
            configmap("settings"),
        ]
    )
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/first"]
    assert engine.reconcile().writes == []
    engine.complete_job("first")
    assert engine.reconcile().writes == ["create Job/web/second"]
    engine.complete_job("second")
    assert engine.reconcile().writes == ["apply ConfigMap/web/settings"]


def test_a_retry_runs_the_hooks_again_under_its_own_sync_id() -> None:
    retry = {"retry": {"limit": 1, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "1m"}}}
    engine = Engine([configmap("settings"), job("migrate", "PreSync")], sync_policy=retry)
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/migrate"]
    first_id = _sync_id(engine)
    engine.fail_job("migrate")
    failed = engine.reconcile()
    assert failed.writes == []
    assert (failed.phase, failed.result.requeue_after) == ("Running", 5.0)
    assert engine.operation_state()["retryCount"] == 1
    engine.advance(5)
    replaced = engine.reconcile()  # the failed run is another attempt's: deleted first
    assert replaced.writes == ["delete Job/web/migrate (Background)"]
    assert engine.results() == {"Job/migrate": "recreating"}
    assert engine.reconcile().writes == ["create Job/web/migrate"]
    assert _sync_id(engine) != first_id
    engine.complete_job("migrate")
    assert engine.reconcile().writes == ["apply ConfigMap/web/settings"]
    assert engine.reconcile().phase == "Succeeded"


def _sync_id(engine: Engine) -> str:
    live = engine.live("Job", "migrate", "batch")
    assert live is not None
    return str(live["metadata"]["annotations"]["gitopsd.io/sync-id"])
