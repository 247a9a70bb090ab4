"""The reconciler's gate for Applications outside the control-plane namespace: refused
before anything is rendered or any cluster is touched, with an InvalidSpecError naming the
namespace and the project, and projects looked up in the control plane only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from gitopsd.errors import SpecError
from gitopsd.health import HealthAssessor
from gitopsd.ports import ClusterPort
from gitopsd.project import ApplicationNamespaces, Project, parse_project
from gitopsd.render import GeneratedManifests, RenderContext
from gitopsd.spec import ApplicationSpec, Destination
from gitopsd.sync.compare import DryRunMemo
from gitopsd.sync.environment import ReconcileSettings
from gitopsd.sync.reconciler import Reconciler

CONTROL = "gitopsd"
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
UNREGISTERED = "destination reached: the namespace gate let this Application through"


class FixedClock:
    def now(self) -> dt.datetime:
        return NOW


class GateOnlyEnvironment:
    """Projects per namespace; every other capability fails the test if used, except
    ``cluster_for``, which reports that the pass got past the namespace gate."""

    def __init__(self, projects: dict[str, dict[str, Project]]) -> None:
        self._projects = projects
        self.asked: list[str] = []

    def cluster_for(self, destination: Destination) -> tuple[ClusterPort, str]:
        raise SpecError(UNREGISTERED)

    def generate(
        self,
        spec: ApplicationSpec,
        context: RenderContext,
        revisions: list[str] | None,
        *,
        fresh: bool = False,
    ) -> GeneratedManifests:
        raise AssertionError("rendered an Application the gate should have refused")

    def projects(self, namespace: str) -> Mapping[str, Project]:
        self.asked.append(namespace)
        return self._projects.get(namespace, {})

    def assessor(self) -> HealthAssessor:
        raise AssertionError("assessed health for a refused Application")

    def memo_for(self, server: str) -> DryRunMemo:
        raise AssertionError("compared a refused Application")


def project(name: str, namespace: str, *source_namespaces: str) -> Project:
    return parse_project(
        {
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "sourceRepos": ["*"],
                "destinations": [{"server": "*", "namespace": "*"}],
                "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
                "sourceNamespaces": list(source_namespaces),
            },
        }
    )


def application(namespace: str, project_name: str) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "project": project_name,
            "source": {"repoURL": "https://git.example.com/r.git", "path": "web"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
            "syncPolicy": {"automated": {"prune": True}},
        },
        "operation": {"sync": {"prune": True}},
    }


def reconcile(env: GateOnlyEnvironment, app: dict[str, Any]) -> Any:
    scope = ApplicationNamespaces(CONTROL, ("team-*",))
    settings = ReconcileSettings(app_namespaces=scope)
    return Reconciler(env, FixedClock(), settings).reconcile(app)


def invalid_spec(result: Any) -> str:
    (condition,) = result.status["conditions"]
    assert condition["type"] == "InvalidSpecError"
    message: str = condition["message"]
    return message


def test_an_unlisted_namespace_gets_the_condition_and_nothing_else() -> None:
    env = GateOnlyEnvironment({CONTROL: {"team": project("team", CONTROL, "team-b")}})
    result = reconcile(env, application("team-a", "team"))
    assert invalid_spec(result) == (
        "application namespace team-a is not permitted in project team (sourceNamespaces)"
    )
    assert result.status["sync"]["status"] == "Unknown"
    assert "resources" not in result.status and not result.remove_finalizers
    # The requested sync never runs: it ends in Error with the reason, and is consumed.
    assert result.status["operationState"]["phase"] == "Error"
    assert "not permitted in project team" in result.status["operationState"]["message"]
    assert not (result.status["operationState"].get("syncResult") or {}).get("resources")
    assert result.clear_operation
    assert result.events[0].reason == "InvalidSpecError"


def test_a_listed_namespace_goes_on_to_its_destination() -> None:
    env = GateOnlyEnvironment({CONTROL: {"team": project("team", CONTROL, "team-*")}})
    assert invalid_spec(reconcile(env, application("team-a", "team"))) == UNREGISTERED


def test_the_default_project_admits_only_the_control_plane() -> None:
    env = GateOnlyEnvironment({})
    assert invalid_spec(reconcile(env, application(CONTROL, "default"))) == UNREGISTERED
    assert invalid_spec(reconcile(env, application("team-a", "default"))) == (
        "application namespace team-a is not permitted in project default (sourceNamespaces)"
    )


def test_a_project_in_the_tenant_namespace_is_never_used() -> None:
    permissive = project("mine", "team-a", "*")
    env = GateOnlyEnvironment({"team-a": {"mine": permissive}})
    result = reconcile(env, application("team-a", "mine"))
    assert invalid_spec(result) == "application references project mine which does not exist"
    assert set(env.asked) == {CONTROL}


def test_a_deleted_application_in_a_refused_namespace_prunes_nothing() -> None:
    app = application("team-a", "default")
    app["metadata"]["deletionTimestamp"] = "2026-11-23T11:59:00Z"
    app["metadata"]["finalizers"] = ["resources-finalizer.gitopsd.io"]
    app["status"] = {"resources": [{"kind": "ConfigMap", "namespace": "web", "name": "x"}]}
    result = reconcile(GateOnlyEnvironment({}), app)
    # Never reconciled here, so nothing of its own to delete: released, nothing touched.
    (event,) = result.events
    assert event.reason == "DeletionSkipped"
    assert "not permitted in project default" in event.message
    assert result.remove_finalizers == ("resources-finalizer.gitopsd.io",)
    assert result.status["resources"] == app["status"]["resources"]
