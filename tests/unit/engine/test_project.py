"""Scenarios: a tenant's objects land only where its AppProject allows. Objects outside the
project are refused before any write, inventory outside it is never pruned nor deleted,
gitopsd's own objects and the control namespace's Secrets are never taken over, kinds the
cluster does not serve are never applied, and Applications outside the control namespace
are reconciled only when their project admits their namespace."""

from __future__ import annotations

import copy

from gitopsd.model.keys import ResourceKey
from gitopsd.project import ApplicationNamespaces, DestinationRule, Project, ResourceRule
from gitopsd.sync.environment import ReconcileSettings
from tests.unit.engine.harness import Engine, configmap, job

WEB_ONLY = Project(
    name="default",
    source_repos=("*",),
    destinations=(DestinationRule(server="*", namespace="web"),),
)


def _in(namespace: str, obj: dict[str, object]) -> dict[str, object]:
    placed = copy.deepcopy(obj)
    placed["metadata"]["namespace"] = namespace  # type: ignore[index]
    return placed


def _namespace(engine: Engine, name: str) -> None:
    with engine.cluster.unrecorded():
        engine.cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def test_an_object_outside_the_project_fails_the_sync_before_any_write() -> None:
    engine = Engine([configmap("a"), _in("kube-system", configmap("sneaky"))], projects=(WEB_ONLY,))
    engine.sync()
    record = engine.reconcile()
    assert record.writes == []
    assert record.dry_runs == []
    assert record.phase == "Error"
    message = engine.operation_state()["message"]
    assert "ConfigMap/kube-system/sneaky" in message
    assert [c["type"] for c in engine.status()["conditions"]] == ["InvalidSpecError"]
    assert engine.cluster.keys("ConfigMap") == []


def test_a_hook_outside_the_project_fails_the_sync_before_any_write() -> None:
    engine = Engine(
        [configmap("a"), _in("kube-system", job("migrate", "PreSync"))], projects=(WEB_ONLY,)
    )
    engine.sync()
    record = engine.reconcile()
    assert record.writes == []
    assert record.phase == "Error"
    assert "Job/kube-system/migrate" in engine.operation_state()["message"]
    assert engine.cluster.keys("Job") == []


def test_inventory_outside_the_project_is_never_pruned() -> None:
    engine = Engine([configmap("a"), _in("other", configmap("b"))])
    _namespace(engine, "other")
    engine.sync()
    engine.run()
    assert engine.live("ConfigMap", "b", namespace="other") is not None
    engine.projects = (WEB_ONLY,)  # the project is narrowed afterwards
    engine.restart()
    engine.commit([configmap("a")])
    engine.sync(prune=True)
    engine.start()
    record = engine.reconcile()
    assert record.writes == []
    assert record.phase == "Succeeded"
    assert engine.results() == {"ConfigMap/b": "skipped"}
    assert engine.live("ConfigMap", "b", namespace="other") is not None
    conditions = [c["type"] for c in engine.status()["conditions"]]
    assert "ExcludedResourceWarning" in conditions


def test_deleting_the_application_keeps_inventory_outside_the_project() -> None:
    engine = Engine(
        [configmap("a"), _in("other", configmap("b"))],
        finalizers=["resources-finalizer.gitopsd.io"],
    )
    _namespace(engine, "other")
    engine.sync()
    engine.run()
    engine.projects = (WEB_ONLY,)
    engine.restart()
    engine.delete_app()
    record = engine.reconcile()
    assert record.writes == ["delete ConfigMap/web/a (Foreground)"]
    released = engine.reconcile()
    assert released.writes == []
    assert released.result.remove_finalizers == ("resources-finalizer.gitopsd.io",)
    kept = [e.message for e in released.result.events if e.reason == "ResourceKept"]
    assert len(kept) == 1 and "ConfigMap/other/b" in kept[0]
    assert engine.live("ConfigMap", "b", namespace="other") is not None


def test_a_secret_of_the_control_namespace_is_never_taken_over() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "repo-creds", "namespace": "gitopsd"},
        "stringData": {"password": "from-git"},
    }
    engine = Engine([configmap("a"), secret])
    existing = copy.deepcopy(secret)
    existing["stringData"] = {"password": "real"}
    with engine.cluster.unrecorded():
        engine.cluster.apply(existing, field_manager="admin")
    before = engine.cluster.stored(ResourceKey("", "Secret", "gitopsd", "repo-creds"))
    engine.sync()
    record = engine.reconcile()
    assert record.writes == []
    assert record.phase == "Error"
    assert "Secret/gitopsd/repo-creds" in engine.operation_state()["message"]
    assert "real" not in str(engine.status())
    assert engine.cluster.stored(ResourceKey("", "Secret", "gitopsd", "repo-creds")) == before
    assert engine.live("ConfigMap", "a") is None


def test_an_existing_application_is_never_taken_over() -> None:
    other = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "payments", "namespace": "gitopsd"},
        "spec": {"project": "default"},
    }
    engine = Engine([configmap("a"), other])
    existing = copy.deepcopy(other)
    existing["spec"] = {"project": "payments"}
    with engine.cluster.unrecorded():
        engine.cluster.create(existing)
    engine.sync()
    record = engine.reconcile()
    assert record.writes == []
    assert record.phase == "Error"
    assert "Application/gitopsd/payments" in engine.operation_state()["message"]
    payments = engine.cluster.stored(
        ResourceKey("gitopsd.io", "Application", "gitopsd", "payments")
    )
    assert payments is not None and payments["spec"] == {"project": "payments"}


def test_a_hook_of_a_kind_the_cluster_does_not_serve_fails_the_sync_and_is_never_created() -> None:
    probe = {
        "apiVersion": "example.com/v1",
        "kind": "Probe",
        "metadata": {"name": "check", "annotations": {"argocd.argoproj.io/hook": "PreSync"}},
    }
    engine = Engine([configmap("a"), probe])
    engine.sync()
    engine.start()
    record = engine.reconcile()
    assert record.writes == []
    assert record.phase == "Failed"
    assert engine.results() == {"Probe/check": "failed"}
    assert engine.operation_state()["message"].startswith(
        "Probe/web/check: kind Probe.example.com is not served by the cluster and no "
        "CustomResourceDefinition in the manifests defines it: install "
    )
    assert engine.live("ConfigMap", "a") is None


def test_an_application_outside_the_control_namespace_needs_its_project_to_admit_it() -> None:
    # The harness's Application lives in "gitopsd"; here the control plane is elsewhere,
    # and the tenant has written itself an admitting "default" project in its namespace.
    scope = ApplicationNamespaces("gitopsd-system", enabled=("gitopsd",))
    engine = Engine([configmap("a")], settings=ReconcileSettings(app_namespaces=scope))
    admitting = Project(
        name="default",
        source_repos=("*",),
        destinations=(DestinationRule(server="*", namespace="*"),),
        cluster_resource_whitelist=(ResourceRule(group="*", kind="*"),),
        source_namespaces=("gitopsd",),
    )
    projects_by_namespace = {"gitopsd": {"default": admitting}, "gitopsd-system": {}}
    asked: list[str] = []

    def projects(namespace: str) -> dict[str, Project]:
        asked.append(namespace)
        return projects_by_namespace[namespace]

    engine.env.projects = projects  # type: ignore[method-assign]
    engine.sync()
    refused = engine.reconcile()
    assert asked == ["gitopsd-system"]  # the tenant's own AppProject is never read
    assert refused.writes == []
    assert refused.dry_runs == []
    assert refused.phase == "Error"
    assert engine.env.generated == []  # never rendered
    assert [c["type"] for c in engine.status()["conditions"]] == ["InvalidSpecError"]
    assert engine.operation_state()["message"] == (
        "application namespace gitopsd is not permitted in project default (sourceNamespaces)"
    )
    projects_by_namespace["gitopsd-system"] = {"default": admitting}  # the admin admits it
    engine.sync()
    engine.start()
    assert engine.reconcile().writes == ["apply ConfigMap/web/a"]
