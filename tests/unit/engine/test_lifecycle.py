"""Scenarios across passes and processes: restarts, retries, termination, automated sync
and self-heal, empty renders, failures at each step, and deleting the Application."""

from __future__ import annotations

import pytest

from gitopsd.errors import RepositoryUnreachable, ToolError
from gitopsd.memory import Fault, FaultKind, Verb
from gitopsd.model.keys import ResourceKey
from tests.unit.engine.harness import AUTO, Engine, annotated, configmap, deployment, job

RETRY = {"retry": {"limit": 2, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "1m"}}}


# --- restarts -------------------------------------------------------------------------
def test_a_restart_while_a_hook_runs_finishes_the_operation_with_one_hook() -> None:
    engine = Engine([configmap("settings"), job("migrate", "PreSync")])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/migrate"]
    engine.restart()
    assert engine.reconcile().writes == []
    engine.complete_job("migrate")
    engine.restart()
    assert engine.reconcile().writes == ["apply ConfigMap/web/settings"]
    assert engine.reconcile().phase == "Succeeded"
    creates = [w for p in engine.history for w in p.writes if w.startswith("create")]
    assert creates == ["create Job/web/migrate"]
    assert len(engine.status()["history"]) == 1


def test_a_restart_between_waves_goes_on_with_the_next_wave_only() -> None:
    engine = Engine([configmap("a"), annotated(configmap("b"), sync_wave="1")])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["apply ConfigMap/web/a"]
    engine.restart()
    resumed = engine.reconcile()
    assert resumed.writes == ["apply ConfigMap/web/b"]
    assert resumed.dry_runs == ["apply dry-run ConfigMap/web/a"]  # the new memo is empty
    assert engine.reconcile().phase == "Succeeded"


# --- retry and terminate ----------------------------------------------------------------
def test_a_failed_sync_is_retried_after_its_back_off() -> None:
    engine = Engine([configmap("a")], sync_policy=RETRY)
    engine.cluster.inject(Fault(FaultKind.UNAVAILABLE, verb=Verb.APPLY, dry_run=False))
    engine.sync()
    engine.start()
    failed = engine.reconcile()
    assert failed.writes == ["apply ConfigMap/web/a -> ClusterError"]
    assert failed.phase == "Running"
    assert failed.result.requeue_after == 5.0
    assert engine.operation_state()["retryCount"] == 1
    engine.advance(3)
    early = engine.reconcile()
    assert early.writes == []
    assert early.result.requeue_after == pytest.approx(2.0)
    engine.advance(2)
    assert engine.reconcile().writes == ["apply ConfigMap/web/a"]
    assert engine.reconcile().phase == "Succeeded"


def test_retries_stop_at_the_limit() -> None:
    engine = Engine([configmap("a")], sync_policy=RETRY)
    engine.cluster.inject(Fault(FaultKind.INVALID, verb=Verb.APPLY, dry_run=False, times=None))
    engine.sync()
    engine.start()
    outcomes = []
    for _ in range(3):
        record = engine.reconcile()
        outcomes.append((record.writes, record.phase, record.result.requeue_after))
        engine.advance(60)
    assert outcomes == [
        (["apply ConfigMap/web/a -> Invalid"], "Running", 5.0),
        (["apply ConfigMap/web/a -> Invalid"], "Running", 10.0),
        (["apply ConfigMap/web/a -> Invalid"], "Failed", 0.0),
    ]


def test_terminating_an_operation_deletes_its_running_hooks() -> None:
    engine = Engine([configmap("settings"), job("migrate", "PreSync")])
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/migrate"]
    engine.annotate(**{"gitopsd.io/terminate-operation": "true"})
    record = engine.reconcile()
    assert record.writes == ["delete Job/web/migrate (Background)"]
    assert record.phase == "Failed"
    assert engine.operation_state()["message"] == "operation terminated"
    assert engine.reconcile().writes == []
    assert engine.live("ConfigMap", "settings") is None


# --- automated sync and self-heal --------------------------------------------------------
def test_self_heal_reverts_a_manual_change_and_names_who_made_it() -> None:
    engine = Engine([deployment("api")], sync_policy=AUTO)
    engine.run()
    key = ResourceKey("apps", "Deployment", "web", "api")
    engine.cluster.edit(key, lambda o: o["spec"].update(replicas=4), manager="kubectl-scale")
    decided = engine.start()  # the pass that decides to heal records the operation
    heal = next(e for e in decided.result.events if e.reason == "SelfHeal")
    assert "kubectl-scale" in heal.message
    assert engine.reconcile().writes == ["apply Deployment/web/api"]
    assert engine.live("Deployment", "api", "apps")["spec"]["replicas"] == 1  # type: ignore[index]


def test_self_heal_backs_off_while_the_drift_outlives_each_attempt() -> None:
    # Without prune, an object removed from Git keeps the application OutOfSync: every
    # self-heal attempt ends without reaching Synced, so the attempts back off (2 s, 6 s,
    # 18 s). Each attempt is recorded by the pass that decides it (come back at once) and
    # run by the next, which ends it (and comes back at once to compare with the latest
    # commit); the pass after that waits out the back-off.
    engine = Engine([configmap("a"), configmap("b")], sync_policy={"automated": {"selfHeal": True}})
    engine.run()
    engine.commit([configmap("a")])
    engine.run()
    attempts = []
    for _ in range(9):
        record = engine.reconcile()
        attempts.append(
            ("SelfHeal" in record.reasons, record.writes, record.phase, record.result.requeue_after)
        )
        engine.advance(record.result.requeue_after or 0.0)
    assert attempts == [
        (True, [], "Running", 0.0),
        (False, [], "Succeeded", 0.0),
        (False, [], "Succeeded", 2.0),
        (True, [], "Running", 0.0),
        (False, [], "Succeeded", 0.0),
        (False, [], "Succeeded", 6.0),
        (True, [], "Running", 0.0),
        (False, [], "Succeeded", 0.0),
        (False, [], "Succeeded", 18.0),
    ]
    assert engine.live("ConfigMap", "b") is not None


def test_without_self_heal_drift_on_a_synced_revision_is_left_alone() -> None:
    engine = Engine([configmap("a")], sync_policy={"automated": {"prune": True}})
    engine.run()
    engine.cluster.edit(
        ResourceKey("", "ConfigMap", "web", "a"), lambda o: o["data"].update(name="x")
    )
    record = engine.reconcile()
    assert record.writes == []
    assert engine.status()["sync"]["status"] == "OutOfSync"


def test_automated_sync_deploys_a_new_commit() -> None:
    engine = Engine([configmap("a")], sync_policy=AUTO)
    engine.run()
    engine.commit([configmap("a"), configmap("b")])
    engine.start()
    assert engine.reconcile().writes == ["apply ConfigMap/web/b"]


def test_a_commit_made_while_an_operation_runs_is_synced_right_after_it() -> None:
    # The operation's passes render the commit it began with; a push answered by one of
    # them must not wait for the next periodic refresh.
    engine = Engine([configmap("a")], sync_policy=AUTO)
    first = engine.repo.resolve("HEAD")
    engine.start()
    second = engine.commit([configmap("a"), configmap("b")])
    ended = engine.run()
    assert ended.phase == "Succeeded"
    assert engine.live("ConfigMap", "b") is None
    assert engine.status()["sync"]["revision"] == first
    assert ended.result.requeue_after == 0.0
    engine.start()  # that next pass compares with the new commit and syncs to it
    assert engine.reconcile().writes == ["apply ConfigMap/web/b"]
    assert engine.run().phase == "Succeeded"
    assert engine.status()["sync"] == engine.status()["sync"] | {
        "status": "Synced",
        "revision": second,
    }


def test_automated_sync_without_prune_keeps_removed_objects() -> None:
    engine = Engine([configmap("a"), configmap("b")], sync_policy={"automated": {"selfHeal": True}})
    engine.run()
    engine.commit([configmap("a")])
    record = engine.run()
    assert [w for p in engine.history[-2:] for w in p.writes] == []
    assert record.phase == "Succeeded"
    assert engine.live("ConfigMap", "b") is not None


def test_automated_prune_deletes_removed_objects() -> None:
    engine = Engine([configmap("a"), configmap("b")], sync_policy=AUTO)
    engine.run()
    engine.commit([configmap("a")])
    engine.start()
    assert engine.reconcile().writes == ["delete ConfigMap/web/b (Foreground)"]


def test_a_failed_automated_sync_of_a_revision_is_not_repeated() -> None:
    engine = Engine([configmap("a")], sync_policy={"automated": {"prune": True}})
    engine.cluster.inject(Fault(FaultKind.INVALID, verb=Verb.APPLY, dry_run=False))
    engine.start()
    failed = engine.reconcile()
    assert failed.writes == ["apply ConfigMap/web/a -> Invalid"]
    assert failed.phase == "Failed"
    engine.advance(60)
    again = engine.reconcile()
    assert again.writes == []
    assert engine.operation_state()["phase"] == "Failed"


# --- empty renders --------------------------------------------------------------------------
def test_an_empty_render_prunes_nothing_without_allow_empty() -> None:
    engine = Engine([configmap("a")], sync_policy=AUTO)
    engine.run()
    engine.commit([])
    record = engine.reconcile()
    assert record.writes == []
    assert engine.live("ConfigMap", "a") is not None


def test_an_empty_render_prunes_everything_with_allow_empty() -> None:
    policy = {"automated": {"prune": True, "selfHeal": True, "allowEmpty": True}}
    engine = Engine([configmap("a"), configmap("b")], sync_policy=policy)
    engine.run()
    engine.commit([])
    engine.start()
    record = engine.reconcile()
    assert record.writes == [
        "delete ConfigMap/web/b (Foreground)",
        "delete ConfigMap/web/a (Foreground)",
    ]


# --- failures at each step -------------------------------------------------------------------
def test_a_render_error_writes_nothing_and_keeps_the_last_resources() -> None:
    engine = Engine([configmap("a")], sync_policy=AUTO)
    engine.run()
    before = engine.status()["resources"]
    engine.repo.fail(ToolError("kustomize build failed: bad patch"))
    record = engine.reconcile()
    assert record.writes == []
    assert record.dry_runs == []
    # A failed pass says so; the operator backs off (from 3 s, doubling) instead of a
    # fixed delay named by the pass.
    assert (record.result.failed, record.result.requeue_after) == (True, None)
    status = engine.status()
    assert [c["type"] for c in status["conditions"]] == ["ComparisonError"]
    assert status["resources"] == before
    recovered = engine.reconcile()
    assert recovered.writes == []
    assert "conditions" not in engine.status() or not engine.status()["conditions"]


def test_an_unreachable_repository_never_prunes() -> None:
    engine = Engine([configmap("a")], sync_policy=AUTO)
    engine.run()
    engine.repo.fail(RepositoryUnreachable("git.example.com: timeout"), times=None)
    for _ in range(3):
        assert engine.reconcile().writes == []
    assert engine.live("ConfigMap", "a") is not None


def test_a_failed_live_read_writes_nothing() -> None:
    engine = Engine([configmap("a")], sync_policy=AUTO)
    engine.cluster.inject(Fault(FaultKind.UNAVAILABLE, verb=Verb.LIST))
    record = engine.reconcile()
    assert record.writes == []
    assert record.result.failed
    assert [c["type"] for c in engine.status()["conditions"]] == ["ComparisonError"]
    assert "operationState" not in engine.status()  # no sync was decided on a failed read
    engine.start()
    assert engine.reconcile().writes == ["apply ConfigMap/web/a"]


def test_a_dry_run_error_shows_in_the_comparison_and_the_apply_still_runs() -> None:
    engine = _synced_with_change()
    # Both the recording pass and the applying pass compare: each dry run is refused.
    engine.cluster.inject(Fault(FaultKind.INVALID, verb=Verb.APPLY, dry_run=True, times=2))
    engine.sync()
    recorded = engine.start()
    assert recorded.dry_runs == ["apply dry-run ConfigMap/web/a -> Invalid"]
    assert [c["type"] for c in engine.status()["conditions"]] == ["ComparisonError"]
    assert engine.status()["resources"][0]["message"] == (
        "ConfigMap/web/a apply failed: injected fault"
    )
    record = engine.reconcile()
    assert record.dry_runs == ["apply dry-run ConfigMap/web/a -> Invalid"]
    assert record.writes == ["apply ConfigMap/web/a"]
    assert engine.live("ConfigMap", "a")["data"] == {"name": "changed"}  # type: ignore[index]


def test_an_apply_error_fails_the_operation_and_stops_later_waves() -> None:
    engine = Engine([configmap("a"), annotated(configmap("b"), sync_wave="1")])
    engine.cluster.inject(Fault(FaultKind.INVALID, verb=Verb.APPLY, name="a", dry_run=False))
    engine.sync()
    engine.start()
    record = engine.reconcile()
    assert record.writes == ["apply ConfigMap/web/a -> Invalid"]
    assert record.phase == "Failed"
    assert engine.results() == {"ConfigMap/a": "failed"}
    assert engine.reconcile().writes == []


def test_a_prune_error_fails_the_operation_and_the_next_sync_retries_it() -> None:
    engine = Engine([configmap("a"), configmap("b")])
    engine.sync()
    engine.run()
    engine.commit([configmap("a")])
    engine.cluster.inject(Fault(FaultKind.SERVER_ERROR, verb=Verb.DELETE))
    engine.sync(prune=True)
    engine.start()
    failed = engine.reconcile()
    assert failed.writes == ["delete ConfigMap/web/b (Foreground) -> ClusterError"]
    assert failed.phase == "Failed"
    assert "prune failed" in engine.operation_state()["message"]
    assert any(r["name"] == "b" for r in engine.status()["resources"])
    engine.sync(prune=True)
    engine.start()
    assert engine.reconcile().writes == ["delete ConfigMap/web/b (Foreground)"]


def test_a_lost_answer_after_a_write_is_repaired_without_a_second_write() -> None:
    engine = Engine([configmap("a")], sync_policy=RETRY)
    engine.cluster.inject(
        Fault(FaultKind.TIMEOUT, verb=Verb.APPLY, dry_run=False, after_write=True)
    )
    engine.sync()
    engine.start()
    lost = engine.reconcile()
    assert lost.writes == ["apply ConfigMap/web/a -> ClusterUnreachable"]
    assert engine.live("ConfigMap", "a") is not None
    engine.advance(5)
    retried = engine.reconcile()
    assert retried.writes == []
    assert retried.dry_runs == ["apply dry-run ConfigMap/web/a"]
    assert retried.phase == "Succeeded"


# --- deleting the Application ------------------------------------------------------------------
def test_deleting_the_application_deletes_its_resources_then_releases_it() -> None:
    engine = Engine(
        [configmap("a"), deployment("api")],
        finalizers=["gitopsd.io/resources-finalizer"],
    )
    engine.sync()
    engine.run()
    engine.delete_app()
    record = engine.reconcile()
    assert record.writes == [
        "delete Deployment/web/api (Foreground)",
        "delete ConfigMap/web/a (Foreground)",
    ]
    assert record.result.remove_finalizers == ()
    released = engine.reconcile()
    assert released.writes == []
    assert released.result.remove_finalizers == ("gitopsd.io/resources-finalizer",)
    assert engine.cluster.stored(ResourceKey("gitopsd.io", "Application", "gitopsd", "web")) is None


@pytest.mark.parametrize(
    ("finalizer", "propagation"),
    [
        ("gitopsd.io/resources-finalizer-background", "Background"),
        ("gitopsd.io/resources-finalizer-foreground", "Foreground"),
        # Earlier releases' name and Argo CD's are still honoured, with their stages.
        ("resources-finalizer.gitopsd.io", "Foreground"),
        ("resources-finalizer.gitopsd.io/background", "Background"),
        ("resources-finalizer.argocd.argoproj.io", "Foreground"),
        ("resources-finalizer.argocd.argoproj.io/background", "Background"),
        ("resources-finalizer.argocd.argoproj.io/foreground", "Foreground"),
    ],
)
def test_every_name_of_the_resources_finalizer_deletes_as_it_says(
    finalizer: str, propagation: str
) -> None:
    engine = Engine([configmap("a")], finalizers=[finalizer])
    engine.sync()
    engine.run()
    engine.delete_app()
    assert engine.reconcile().writes == [f"delete ConfigMap/web/a ({propagation})"]
    assert engine.reconcile().result.remove_finalizers == (finalizer,)


def test_other_finalizers_are_not_the_resources_finalizer() -> None:
    engine = Engine([configmap("a")], finalizers=["gitopsd.io/resources-finalizerX"])
    engine.sync()
    engine.run()
    engine.delete_app()
    record = engine.reconcile()
    assert record.writes == []
    assert record.result.remove_finalizers == ()


def test_deleting_the_application_keeps_delete_false_objects() -> None:
    kept = annotated(configmap("kept"), sync_options="Delete=false")
    engine = Engine([configmap("a"), kept], finalizers=["gitopsd.io/resources-finalizer"])
    engine.sync()
    engine.run()
    engine.delete_app()
    assert engine.reconcile().writes == ["delete ConfigMap/web/a (Foreground)"]
    engine.reconcile()
    assert engine.live("ConfigMap", "kept") is not None


def test_deleting_waits_for_objects_held_by_a_finalizer() -> None:
    held = configmap("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    engine = Engine([held], finalizers=["gitopsd.io/resources-finalizer"])
    engine.sync()
    engine.run()
    engine.delete_app()
    first = engine.reconcile()
    assert first.writes == ["delete ConfigMap/web/held (Foreground)"]
    assert "Deleting" in first.reasons
    waiting = engine.reconcile()
    assert waiting.result.remove_finalizers == ()
    key = ResourceKey("", "ConfigMap", "web", "held")
    engine.cluster.edit(key, lambda o: o["metadata"].pop("finalizers"), manager="holder")
    assert engine.reconcile().result.remove_finalizers == ("gitopsd.io/resources-finalizer",)


def _synced_with_change() -> Engine:
    engine = Engine([configmap("a")])
    engine.sync()
    engine.run()
    engine.commit([configmap("a", {"name": "changed"})])
    return engine


def test_a_failed_read_while_deleting_the_application_waits_and_retries() -> None:
    engine = Engine([configmap("a")], finalizers=["gitopsd.io/resources-finalizer"])
    engine.sync()
    engine.run()
    engine.delete_app()
    engine.cluster.inject(Fault(FaultKind.UNAVAILABLE, verb=Verb.LIST))
    record = engine.reconcile()
    assert record.writes == []
    assert record.result.remove_finalizers == ()
    assert record.result.requeue_after is not None
    assert engine.reconcile().writes == ["delete ConfigMap/web/a (Foreground)"]
