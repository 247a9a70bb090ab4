"""Scenarios: every operation ends, exactly once. A requested sync that cannot start ends
in Error and is consumed; terminate and the operation timeout end any operation; a
controller that dies between creating a hook and recording it adopts the hook; deleting
an Application does not depend on its spec being valid."""

from __future__ import annotations

from gitopsd.errors import ToolError
from gitopsd.memory import Fault, FaultKind, Verb
from gitopsd.sync.environment import ReconcileSettings
from tests.unit.engine.harness import Engine, configmap, job

RETRY = {"retry": {"limit": 2, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "1m"}}}
TERMINATE = {"gitopsd.io/terminate-operation": "true"}


def test_a_requested_sync_that_cannot_render_ends_in_error_and_is_consumed() -> None:
    engine = Engine([configmap("a")])
    engine.repo.fail(ToolError("kustomize build failed: bad patch"))
    engine.sync()
    record = engine.reconcile()
    assert record.writes == []
    assert record.phase == "Error"
    assert record.result.failed
    assert record.result.clear_operation
    assert "operation" not in engine.app()
    assert "kustomize build failed: bad patch" in engine.operation_state()["message"]
    assert "finishedAt" in engine.operation_state()
    after = engine.reconcile()  # the repository works again: nothing was left to run
    assert after.writes == []
    assert after.phase == "Error"
    engine.sync()  # and the next request is not refused
    engine.start()
    assert engine.reconcile().writes == ["apply ConfigMap/web/a"]


def test_an_unknown_sync_option_is_an_invalid_spec_and_nothing_is_written() -> None:
    engine = Engine([configmap("a")], sync_policy={"syncOptions": ["ApplyEverything=true"]})
    engine.sync()
    record = engine.reconcile()
    assert record.writes == []
    assert record.dry_runs == []
    assert record.phase == "Error"
    conditions = engine.status()["conditions"]
    assert [c["type"] for c in conditions] == ["InvalidSpecError"]
    assert "ApplyEverything" in conditions[0]["message"]
    assert "operation" not in engine.app()
    assert engine.live("ConfigMap", "a") is None


def test_terminating_a_requested_sync_that_has_not_started_ends_it() -> None:
    engine = Engine([configmap("a")])
    engine.sync()
    engine.annotate(**TERMINATE)
    record = engine.reconcile()
    assert record.writes == []
    assert record.phase == "Failed"
    assert record.result.clear_operation
    assert engine.operation_state()["message"] == "operation terminated"
    assert "operation" not in engine.app()
    assert engine.reconcile().writes == []
    assert engine.live("ConfigMap", "a") is None


def test_terminating_a_sync_waiting_for_its_retry_ends_it_without_the_retry() -> None:
    engine = Engine([configmap("a")], sync_policy=RETRY)
    engine.cluster.inject(Fault(FaultKind.UNAVAILABLE, verb=Verb.APPLY, dry_run=False))
    engine.sync()
    engine.start()
    failed = engine.reconcile()
    assert failed.writes == ["apply ConfigMap/web/a -> ClusterError"]
    assert (failed.phase, failed.result.requeue_after) == ("Running", 5.0)
    engine.annotate(**TERMINATE)
    record = engine.reconcile()
    assert record.writes == []
    assert record.phase == "Failed"
    assert engine.operation_state()["message"] == "operation terminated"
    assert "nextRetryAt" not in engine.operation_state()
    engine.advance(10)
    assert engine.reconcile().writes == []
    assert engine.live("ConfigMap", "a") is None


def test_an_attempt_past_the_operation_timeout_ends_failed_and_deletes_its_hooks() -> None:
    settings = ReconcileSettings(operation_timeout_seconds=60.0)
    engine = Engine([configmap("settings"), job("migrate", "PreSync")], settings=settings)
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["create Job/web/migrate"]
    engine.advance(30)
    assert engine.reconcile().phase == "Running"
    engine.advance(31)
    record = engine.reconcile()
    assert record.writes == ["delete Job/web/migrate (Background)"]
    assert record.phase == "Failed"
    assert engine.operation_state()["message"].startswith("operation timed out after 60s: ")
    assert engine.reconcile().writes == []
    assert engine.live("ConfigMap", "settings") is None


def test_a_hook_created_by_a_pass_whose_status_was_lost_is_adopted_not_run_again() -> None:
    engine = Engine([configmap("settings"), job("migrate", "PreSync")])
    engine.sync()
    engine.start()
    # The controller creates the hook and dies before it records anything.
    lost = engine.reconciler.reconcile(engine.app())
    assert lost.status["operationState"]["phase"] == "Running"
    assert [str(c) for c in engine.cluster.writes()][-1] == "create Job/web/migrate"
    engine.restart()
    adopted = engine.reconcile()
    assert adopted.writes == []
    assert adopted.phase == "Running"
    engine.complete_job("migrate")
    assert engine.reconcile().writes == ["apply ConfigMap/web/settings"]
    assert engine.reconcile().phase == "Succeeded"
    creates = [str(c) for c in engine.cluster.writes() if str(c).startswith("create")]
    assert creates == ["create Job/web/migrate"]
    assert len(engine.status()["history"]) == 1


def test_deleting_an_application_whose_spec_became_invalid_still_deletes_its_resources() -> None:
    engine = Engine([configmap("a")], finalizers=["resources-finalizer.gitopsd.io"])
    engine.sync()
    engine.run()
    engine.set_spec(lambda spec: spec.setdefault("syncPolicy", {}).update(syncOptions=["Nope"]))
    assert engine.reconcile().writes == []  # an invalid spec syncs nothing
    assert [c["type"] for c in engine.status()["conditions"]] == ["InvalidSpecError"]
    engine.delete_app()
    record = engine.reconcile()
    assert record.writes == ["delete ConfigMap/web/a (Foreground)"]
    released = engine.reconcile()
    assert released.writes == []
    assert released.result.remove_finalizers == ("resources-finalizer.gitopsd.io",)
