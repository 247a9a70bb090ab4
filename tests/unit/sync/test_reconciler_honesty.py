"""The reconciler over an in-memory cluster: operations start from the request alone,
are recorded before any hook exists, end when they cannot start, are terminated or time
out; deletion completes whatever the spec says; a Git outage heals from the last known
revision; configuration mistakes are conditions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gitopsd.errors import RenderError
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import ApiResource
from gitopsd.sync.environment import ReconcileSettings
from gitopsd.sync.reconciler import Reconciler, ReconcileResult
from tests.unit.sync.fakes import (
    NEW,
    OLD,
    FakeCluster,
    FakeEnvironment,
    FixedClock,
    application,
    configmap,
    hook_job,
)

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
SETTINGS = ReconcileSettings(operation_timeout_seconds=600.0)


def reconciler(
    env: FakeEnvironment, settings: ReconcileSettings = SETTINGS
) -> tuple[Reconciler, FixedClock]:
    clock = FixedClock(NOW)
    return Reconciler(env, clock, settings), clock


def manual_sync(revision: str = "", username: str = "alice") -> dict[str, Any]:
    sync: dict[str, Any] = {"prune": False}
    if revision:
        sync["revision"] = revision
    return {"sync": sync, "initiatedBy": {"username": username}}


def after(app: dict[str, Any], result: ReconcileResult) -> dict[str, Any]:
    """The Application once the controller wrote what ``result`` decided."""
    updated = {**app, "status": result.status}
    if result.clear_operation:
        updated.pop("operation", None)
    return updated


def run(rec: Reconciler, app: dict[str, Any], passes: int) -> tuple[dict[str, Any], Any]:
    result = None
    for _ in range(passes):
        result = rec.reconcile(app)
        app = after(app, result)
    return app, result


def test_a_plain_sync_after_a_pinned_one_deploys_what_git_says_now() -> None:
    cluster = FakeCluster()
    env = FakeEnvironment(cluster, {OLD: [configmap("a", "1")], NEW: [configmap("a", "3")]})
    rec, _ = reconciler(env)
    app, _ = run(rec, application(operation=manual_sync(OLD, "bob")), 3)
    assert app["status"]["operationState"]["syncResult"]["revision"] == OLD
    app = {**app, "operation": manual_sync()}
    app, _ = run(rec, app, 3)
    state = app["status"]["operationState"]
    assert state["phase"] == "Succeeded"
    assert state["operation"] == manual_sync()  # nothing of the pinned sync carried over
    assert state["syncResult"]["revision"] == NEW
    assert cluster.objects[ResourceKey("", "ConfigMap", "web", "a")]["data"] == {"v": "3"}
    last = app["status"]["history"][-1]
    assert (last["revision"], last["initiatedBy"]) == (NEW, {"username": "alice"})


def test_a_new_operation_is_recorded_before_any_hook_and_its_hooks_are_adopted() -> None:
    cluster = FakeCluster()
    env = FakeEnvironment(cluster, {NEW: [hook_job("migrate"), configmap("a", "1")]})
    rec, _ = reconciler(env)
    app = application(operation=manual_sync())
    first = rec.reconcile(app)
    assert first.status["operationState"]["phase"] == "Running"
    assert first.clear_operation
    assert cluster.calls == []  # nothing created before the operation is recorded
    app = after(app, first)
    rec.reconcile(app)  # creates the hook; pretend the controller died before writing
    hooks = cluster.created("Job")
    assert len(hooks) == 1
    job = cluster.objects[hooks[0]]
    sync_id = job["metadata"]["annotations"]["gitopsd.io/sync-id"]
    assert sync_id == f"{first.status['operationState']['startedAt']}/0"
    restarted, _ = reconciler(env)
    restarted.reconcile(app)  # a new controller, the same recorded operation
    assert len(cluster.created("Job")) == 1  # adopted, not run again


def test_a_requested_sync_that_cannot_render_ends_in_error_and_is_consumed() -> None:
    class Broken(FakeEnvironment):
        def generate(self, *args: Any, **kwargs: Any) -> Any:
            error = RenderError("web: app: kustomize build failed: bad patch")
            error.revisions = (NEW,)
            raise error

    rec, _ = reconciler(Broken(FakeCluster(), {}))
    result = rec.reconcile(application(operation=manual_sync()))
    state = result.status["operationState"]
    assert state["phase"] == "Error"
    assert "kustomize build failed" in state["message"]
    assert result.clear_operation
    assert result.status["sync"] == {
        "status": "Unknown",
        "revision": NEW,  # the commit that failed
        "comparedTo": result.status["sync"]["comparedTo"],
    }
    assert any("commit bbbbbbb" in c["message"] for c in result.status["conditions"])


def test_terminate_ends_a_requested_operation_that_never_started() -> None:
    env = FakeEnvironment(FakeCluster(), {NEW: [configmap("a", "1")]})
    rec, _ = reconciler(env)
    app = application(
        operation=manual_sync(), annotations={"gitopsd.io/terminate-operation": "true"}
    )
    result = rec.reconcile(app)
    assert result.status["operationState"]["phase"] == "Failed"
    assert result.status["operationState"]["message"] == "operation terminated"
    assert result.clear_operation
    assert env.cluster.calls == []


def test_terminate_ends_an_operation_waiting_for_a_retry_and_deletes_its_hooks() -> None:
    cluster = FakeCluster()
    env = FakeEnvironment(cluster, {NEW: [hook_job("migrate"), configmap("a", "1")]})
    rec, _ = reconciler(env)
    app, _ = run(rec, application(operation=manual_sync()), 2)
    assert len(cluster.created("Job")) == 1
    state = app["status"]["operationState"]
    state["nextRetryAt"] = "2026-11-23T13:00:00Z"  # waiting for a retry in an hour
    app["metadata"]["annotations"] = {"gitopsd.io/terminate-operation": "true"}
    result = rec.reconcile(app)
    assert result.status["operationState"]["phase"] == "Failed"
    assert [k.kind for verb, k in cluster.calls if verb == "delete"] == ["Job"]


def test_an_attempt_past_the_operation_timeout_fails_and_stops_its_hooks() -> None:
    cluster = FakeCluster()
    env = FakeEnvironment(cluster, {NEW: [hook_job("migrate"), configmap("a", "1")]})
    rec, clock = reconciler(env)
    app, _ = run(rec, application(operation=manual_sync()), 3)
    assert app["status"]["operationState"]["phase"] == "Running"  # the Job never completes
    clock.current = NOW + dt.timedelta(seconds=601)
    result = rec.reconcile(app)
    state = result.status["operationState"]
    assert state["phase"] == "Failed"
    assert state["message"].startswith("operation timed out after 600s")
    assert not any(k.kind == "Job" for k in cluster.objects)


def test_an_object_whose_kind_is_not_served_fails_the_sync_with_the_reason() -> None:
    rollout = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "web"},
        "spec": {},
    }
    env = FakeEnvironment(FakeCluster(), {NEW: [rollout]})
    rec, _ = reconciler(env)
    app, _ = run(rec, application(operation=manual_sync()), 3)
    state = app["status"]["operationState"]
    assert state["phase"] == "Failed"
    assert "Rollout/web/web: kind Rollout.argoproj.io is not served" in state["message"]
    assert "install its CustomResourceDefinition" in state["message"]


def test_a_kind_whose_crd_comes_earlier_in_the_sync_is_waited_for() -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "rollouts.argoproj.io"},
        "spec": {"group": "argoproj.io", "names": {"kind": "Rollout", "plural": "rollouts"}},
    }
    rollout = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "w"}}
    cluster = FakeCluster()
    cluster.served[GroupKind("apiextensions.k8s.io", "CustomResourceDefinition")] = ApiResource(
        "apiextensions.k8s.io", "v1", "CustomResourceDefinition", "crds", False
    )
    env = FakeEnvironment(cluster, {NEW: [crd, rollout]})
    rec, _ = reconciler(env)
    app, _ = run(rec, application(operation=manual_sync()), 3)
    assert app["status"]["operationState"]["phase"] == "Running"  # waits, does not fail
    cluster.served[GroupKind("argoproj.io", "Rollout")] = ApiResource(
        "argoproj.io", "v1alpha1", "Rollout", "rollouts", True
    )
    app, _ = run(rec, app, 3)
    assert app["status"]["operationState"]["phase"] == "Succeeded"


def test_deleting_an_app_with_an_invalid_spec_still_deletes_its_resources() -> None:
    cluster = FakeCluster()
    env = FakeEnvironment(cluster, {NEW: [configmap("a", "1")]})
    rec, _ = reconciler(env)
    app, _ = run(rec, application(operation=manual_sync()), 3)
    assert ResourceKey("", "ConfigMap", "web", "a") in cluster.objects
    app["spec"]["sources"] = [app["spec"]["source"]]  # source and sources: invalid
    app["metadata"]["finalizers"] = ["resources-finalizer.gitopsd.io"]
    app["metadata"]["deletionTimestamp"] = "2026-11-23T12:00:00Z"
    result = rec.reconcile(app)
    assert ResourceKey("", "ConfigMap", "web", "a") not in cluster.objects
    assert result.requeue_after is not None  # comes back to see them gone
    assert rec.reconcile(app).remove_finalizers == ("resources-finalizer.gitopsd.io",)


def test_deleting_an_app_whose_cluster_is_gone_drops_the_finalizer_with_an_event() -> None:
    env = FakeEnvironment(FakeCluster(), {})
    rec, _ = reconciler(env)
    status = {"resources": [{"group": "", "kind": "ConfigMap", "namespace": "w", "name": "a"}]}
    spec = {
        "source": {"repoURL": "https://git.example.com/app.git", "path": "app"},
        "destination": {"server": "https://gone.example.com", "namespace": "w"},
    }
    app = application(
        status=status, spec=spec, finalizers=["resources-finalizer.gitopsd.io"], deleting=True
    )
    result = rec.reconcile(app)
    assert result.remove_finalizers == ("resources-finalizer.gitopsd.io",)
    assert [e.reason for e in result.events] == ["DeletionSkipped"]
    assert "1 resources were left in place" in result.events[0].message


def test_deleting_an_app_that_never_deployed_needs_no_cluster() -> None:
    env = FakeEnvironment(FakeCluster(), {})
    rec, _ = reconciler(env)
    spec = {"source": {"repoURL": "x", "path": "."}, "destination": {}}  # invalid everywhere
    app = application(spec=spec, finalizers=["resources-finalizer.gitopsd.io"], deleting=True)
    result = rec.reconcile(app)
    assert result.remove_finalizers == ("resources-finalizer.gitopsd.io",)
    assert result.events == []


def test_cascade_deletion_removes_the_completed_hooks_this_app_tracks() -> None:
    cluster = FakeCluster()
    env = FakeEnvironment(cluster, {NEW: [hook_job("migrate"), configmap("a", "1")]})
    rec, _ = reconciler(env)
    app, _ = run(rec, application(operation=manual_sync()), 2)
    job_key = ResourceKey("batch", "Job", "web", "migrate")
    assert job_key in cluster.objects
    cluster.objects[job_key]["status"] = {"conditions": [{"type": "Complete", "status": "True"}]}
    app, _ = run(rec, app, 3)
    assert app["status"]["operationState"]["phase"] == "Succeeded"
    app["metadata"]["finalizers"] = ["resources-finalizer.gitopsd.io"]
    app["metadata"]["deletionTimestamp"] = "2026-11-23T12:00:00Z"
    rec.reconcile(app)
    assert job_key not in cluster.objects


def test_during_a_git_outage_drift_is_healed_from_the_last_known_revision() -> None:
    cluster = FakeCluster()
    env = FakeEnvironment(cluster, {NEW: [configmap("a", "1")]})
    rec, _ = reconciler(env)
    spec = application()["spec"]
    spec["syncPolicy"] = {"automated": {"selfHeal": True}}
    app, _ = run(rec, application(spec=spec), 4)
    key = ResourceKey("", "ConfigMap", "web", "a")
    assert cluster.objects[key]["data"] == {"v": "1"}
    env.git_down = True
    cluster.objects[key]["data"] = {"v": "edited by hand"}
    cluster.objects[key]["metadata"]["resourceVersion"] = "99"
    app, _ = run(rec, app, 4)
    assert cluster.objects[key]["data"] == {"v": "1"}
    conditions = {c["type"]: c["message"] for c in app["status"]["conditions"]}
    assert "Git is unreachable" in conditions["RepositoryUnreachableWarning"]
    assert app["status"]["sync"]["revision"] == NEW


def test_a_git_outage_does_not_run_a_requested_sync_against_an_old_revision() -> None:
    env = FakeEnvironment(FakeCluster(), {NEW: [configmap("a", "1")]})
    rec, _ = reconciler(env)
    app, _ = run(rec, application(), 1)
    env.git_down = True
    result = rec.reconcile({**app, "operation": manual_sync()})
    assert result.status["operationState"]["phase"] == "Error"
    assert "repository unreachable" in result.status["operationState"]["message"]


def test_a_bad_ignore_differences_entry_is_a_condition_naming_the_field() -> None:
    env = FakeEnvironment(FakeCluster(), {NEW: [configmap("a", "1")]})
    rec, _ = reconciler(env)
    spec = application()["spec"]
    spec["ignoreDifferences"] = [
        {"kind": "ConfigMap", "jsonPointers": ["data/mode"], "jqPathExpressions": [".a | length"]}
    ]
    result = rec.reconcile(application(spec=spec))
    messages = [c["message"] for c in result.status["conditions"]]
    assert result.status["sync"]["status"] == "Unknown"
    assert any("spec.ignoreDifferences[0].jsonPointers[0]" in m for m in messages)
    assert any("spec.ignoreDifferences[0].jqPathExpressions[0]" in m for m in messages)
    assert env.rendered == []


def test_unknown_sync_options_and_bad_durations_are_conditions_naming_the_field() -> None:
    env = FakeEnvironment(FakeCluster(), {NEW: [configmap("a", "1")]})
    rec, _ = reconciler(env)
    spec = application()["spec"]
    spec["syncPolicy"] = {"syncOptions": ["Prune=flase", "Frobnicate=true"]}
    messages = [c["message"] for c in rec.reconcile(application(spec=spec)).status["conditions"]]
    assert "spec.syncPolicy.syncOptions[0]" in messages[0]
    assert "spec.syncPolicy.syncOptions[1]: unknown sync option 'Frobnicate'" in messages[0]
    spec["syncPolicy"] = {"retry": {"limit": 2, "backoff": {"duration": "1..5s"}}}
    messages = [c["message"] for c in rec.reconcile(application(spec=spec)).status["conditions"]]
    assert messages == ["spec.syncPolicy.retry.backoff.duration: invalid duration '1..5s'"]


def test_an_empty_render_says_why_automated_sync_does_not_delete_everything() -> None:
    cluster = FakeCluster()
    env = FakeEnvironment(cluster, {NEW: [configmap("a", "1")], OLD: []})
    rec, _ = reconciler(env)
    spec = application()["spec"]
    spec["syncPolicy"] = {"automated": {"prune": True}}
    app, _ = run(rec, application(spec=spec), 4)
    env.head = OLD
    app, _ = run(rec, app, 2)
    conditions = {c["type"]: c["message"] for c in app["status"]["conditions"]}
    assert "renders no resources" in conditions["SyncError"]
    assert ResourceKey("", "ConfigMap", "web", "a") in cluster.objects


def test_a_refused_global_configuration_is_a_condition_on_the_app() -> None:
    env = FakeEnvironment(FakeCluster(), {NEW: [configmap("a", "1")]})
    settings = ReconcileSettings(config_problems=("gitopsd-cm: bad entry (kept the last)",))
    rec, _ = reconciler(env, settings)
    status = rec.reconcile(application()).status
    assert {
        "type": "ConfigurationWarning",
        "message": "gitopsd-cm: bad entry (kept the last)",
    }.items() <= {**status["conditions"][0]}.items()
