"""Driving the ``Reconciler`` pass by pass over in-memory parts, as the operator would.

``Engine`` holds one Application in a ``MemoryCluster`` (with gitopsd's CRDs installed),
its repository in a ``MemoryRepo``, and a ``Reconciler`` over a ``MemoryEnvironment``.
``Engine.reconcile()`` runs one pass and then writes what the reconciler decided (the
whole status, the consumed operation, released finalizers) the way
``operator/controller.py`` does; those bookkeeping writes are left out of the call record,
so ``Pass.writes`` lists exactly the writes the engine itself made to managed objects.
``Engine.start()`` runs the pass that takes a sync: it only records the operation.
Time moves only through ``advance``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitopsd.memory import Call, ManualClock, MemoryCluster, MemoryEnvironment, MemoryRepo
from gitopsd.memory import controllers as ctl
from gitopsd.model.annotations import TERMINATE_OPERATION_ANNOTATION
from gitopsd.model.keys import ResourceKey
from gitopsd.ports import KubeObject
from gitopsd.project import Project
from gitopsd.sync.environment import ReconcileSettings
from gitopsd.sync.reconciler import Reconciler, ReconcileResult

REPO = Path(__file__).resolve().parents[3]
APP_NAMESPACE = "gitopsd"
APP_NAME = "web"
DEST = "web"
REPO_URL = "https://git.example.com/web.git"
APP_KEY = ResourceKey("gitopsd.io", "Application", APP_NAMESPACE, APP_NAME)


@dataclass
class Pass:
    """One reconcile pass: what the reconciler returned and the calls it made."""

    result: ReconcileResult
    calls: list[Call] = field(default_factory=list)

    @property
    def writes(self) -> list[str]:
        return [str(c) for c in self.calls if c.write]

    @property
    def dry_runs(self) -> list[str]:
        return [str(c) for c in self.calls if c.mutating and c.dry_run]

    @property
    def phase(self) -> str:
        return str((self.result.status.get("operationState") or {}).get("phase", ""))

    @property
    def reasons(self) -> list[str]:
        return [e.reason for e in self.result.events]


class Engine:
    def __init__(
        self,
        objects: list[KubeObject],
        *,
        sync_policy: dict[str, Any] | None = None,
        spec: dict[str, Any] | None = None,
        finalizers: list[str] | None = None,
        projects: tuple[Project, ...] = (),
        settings: ReconcileSettings | None = None,
        create_namespace: bool = True,
    ) -> None:
        self.clock = ManualClock()
        self.cluster = MemoryCluster(clock=self.clock)
        self.repo = MemoryRepo(REPO_URL)
        self.repo.commit({"app": objects})
        self.projects = projects
        self.settings = settings or ReconcileSettings()
        self.restart()
        with self.cluster.unrecorded():
            self.cluster.apply(application_crd())
            for name in (APP_NAMESPACE, DEST) if create_namespace else (APP_NAMESPACE,):
                self.cluster.apply(_namespace(name), field_manager="setup")
            self.cluster.create(self._application(sync_policy, spec, finalizers))
        self.history: list[Pass] = []

    # --- the controller -------------------------------------------------------------
    def restart(self) -> None:
        """A new controller process: a fresh Reconciler and environment (empty memo, no
        in-memory back-off state) over the same cluster and repository."""
        self.env = MemoryEnvironment(self.cluster, [self.repo], projects=self.projects)
        self.reconciler = Reconciler(self.env, self.clock, self.settings)

    def reconcile(self) -> Pass:
        start = len(self.cluster.calls)
        app = self.app()
        result = self.reconciler.reconcile(app)
        record = Pass(result, list(self.cluster.calls[start:]))
        with self.cluster.unrecorded():
            self._write_back(app, result)
        self.history.append(record)
        return record

    def start(self) -> Pass:
        """The pass that takes a sync (requested, or decided by automated sync): it only
        records the operation, with phase Running, its ``startedAt`` (and so its sync id)
        and no results, consumes the request, and asks to come back at once. It writes
        nothing to the cluster: applying starts on the next pass."""
        requested = "operation" in self.app()
        record = self.reconcile()
        assert record.writes == [], f"the recording pass wrote {record.writes}"
        assert record.phase == "Running"
        assert record.result.requeue_after == 0.0
        assert not record.result.failed
        assert record.result.clear_operation == requested
        assert "OperationStarted" in record.reasons
        state = self.operation_state()
        assert state["startedAt"] == record.result.status["reconciledAt"]
        assert (state["retryCount"], state["syncResult"]) == (0, {"resources": []})
        assert "operation" not in self.app()
        return record

    def run(self, *, passes: int = 20, between: Callable[[Engine], None] | None = None) -> Pass:
        """Pass after pass (time moving by each requeue, 1 s when the pass names none)
        until the operation ends."""
        for _ in range(passes):
            record = self.reconcile()
            if record.phase != "Running":
                return record
            delay = record.result.requeue_after
            self.advance(1.0 if delay is None else delay)
            if between is not None:
                between(self)
        raise AssertionError(f"the operation still runs after {passes} passes")

    def _write_back(self, app: KubeObject, result: ReconcileResult) -> None:
        self.cluster.replace_status(APP_KEY, result.status)
        # Only the request this pass consumed is cleared; one written meanwhile stays.
        consumed = app.get("operation")
        if (
            result.clear_operation
            and consumed is not None
            and self.app().get("operation") == consumed
        ):
            self.cluster.merge_patch(APP_KEY, {"operation": None})
        annotations = app["metadata"].get("annotations") or {}
        if TERMINATE_OPERATION_ANNOTATION in annotations:
            patch = {"metadata": {"annotations": {TERMINATE_OPERATION_ANNOTATION: None}}}
            self.cluster.merge_patch(APP_KEY, patch)
        if result.remove_finalizers:
            kept = [
                f
                for f in app["metadata"].get("finalizers") or []
                if f not in result.remove_finalizers
            ]
            self.cluster.merge_patch(APP_KEY, {"metadata": {"finalizers": kept}})

    # --- people and time ------------------------------------------------------------
    def sync(self, **sync: Any) -> None:
        """Request a sync (``operation.sync``), as ``gitopsd app sync`` does."""
        operation = {"sync": sync, "initiatedBy": {"username": "alice"}}
        with self.cluster.unrecorded():
            self.cluster.merge_patch(APP_KEY, {"operation": operation})

    def annotate(self, **annotations: str | None) -> None:
        with self.cluster.unrecorded():
            self.cluster.merge_patch(APP_KEY, {"metadata": {"annotations": annotations}})

    def set_spec(self, change: Callable[[dict[str, Any]], None]) -> None:
        self.cluster.edit(APP_KEY, lambda app: change(app["spec"]), manager="kubectl")

    def delete_app(self) -> None:
        self.cluster.remove(APP_KEY)

    def commit(self, objects: list[KubeObject], **kwargs: Any) -> str:
        return self.repo.commit({"app": objects}, **kwargs)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    # --- what is there --------------------------------------------------------------
    def app(self) -> KubeObject:
        app = self.cluster.stored(APP_KEY)
        assert app is not None, "the Application is gone"
        return app

    def status(self) -> dict[str, Any]:
        return copy.deepcopy(self.app().get("status") or {})

    def operation_state(self) -> dict[str, Any]:
        return dict(self.status().get("operationState") or {})

    def live(
        self, kind: str, name: str, group: str = "", namespace: str = DEST
    ) -> KubeObject | None:
        return self.cluster.stored(ResourceKey(group, kind, namespace, name))

    def results(self) -> dict[str, str]:
        """``Kind/name`` → result of the current operation's syncResult."""
        entries = (self.operation_state().get("syncResult") or {}).get("resources") or []
        return {f"{e['kind']}/{e['name']}": e["result"] for e in entries}

    # --- Kubernetes' controllers, when the test says so -------------------------------
    def roll_out(self, name: str, kind: str = "Deployment") -> None:
        ctl.roll_out(self.cluster, ResourceKey("apps", kind, DEST, name))

    def complete_job(self, name: str) -> None:
        ctl.complete_job(self.cluster, ResourceKey("batch", "Job", DEST, name))

    def fail_job(self, name: str) -> None:
        ctl.fail_job(self.cluster, ResourceKey("batch", "Job", DEST, name))

    def _application(
        self,
        sync_policy: dict[str, Any] | None,
        spec: dict[str, Any] | None,
        finalizers: list[str] | None,
    ) -> KubeObject:
        body: dict[str, Any] = {
            "project": "default",
            "source": {"repoURL": REPO_URL, "targetRevision": "main", "path": "app"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": DEST},
        }
        if sync_policy is not None:
            body["syncPolicy"] = sync_policy
        body.update(spec or {})
        metadata: dict[str, Any] = {"name": APP_NAME, "namespace": APP_NAMESPACE}
        if finalizers:
            metadata["finalizers"] = finalizers
        return {
            "apiVersion": "gitopsd.io/v1alpha1",
            "kind": "Application",
            "metadata": metadata,
            "spec": body,
        }


@functools.cache
def _application_crd_text() -> KubeObject:
    loaded: KubeObject = yaml.load(
        (REPO / "crds" / "applications.gitopsd.io.yaml").read_text(),
        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
    )
    return loaded


def application_crd() -> KubeObject:
    """gitopsd's Application CRD from ``crds/`` (parsed once per test session), without
    its OpenAPI schema: the model does not validate custom resources, and copying the
    schema on every write would be most of a scenario's time."""
    crd = copy.deepcopy(_application_crd_text())
    for version in crd["spec"]["versions"]:
        version["schema"] = {
            "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        }
    return crd


def _namespace(name: str) -> KubeObject:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


# --- manifests ------------------------------------------------------------------------
def configmap(name: str, data: dict[str, str] | None = None, **annotations: str) -> KubeObject:
    obj: KubeObject = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": data if data is not None else {"name": name},
    }
    if annotations:
        obj["metadata"]["annotations"] = {k.replace("__", "/"): v for k, v in annotations.items()}
    return obj


def annotated(obj: KubeObject, **annotations: str) -> KubeObject:
    """``obj`` with annotations; ``sync_wave="1"`` becomes ``argocd.argoproj.io/sync-wave``."""
    result = copy.deepcopy(obj)
    marks = result["metadata"].setdefault("annotations", {})
    for name, value in annotations.items():
        marks[f"argocd.argoproj.io/{name.replace('_', '-')}"] = value
    return result


def deployment(name: str, *, replicas: int = 1, image: str = "example/web:1") -> KubeObject:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }


def job(name: str, hook: str, *, delete_policy: str | None = None) -> KubeObject:
    obj: KubeObject = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "annotations": {"argocd.argoproj.io/hook": hook}},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "run", "image": "example/tool:1"}],
                }
            }
        },
    }
    if delete_policy is not None:
        obj["metadata"]["annotations"]["argocd.argoproj.io/hook-delete-policy"] = delete_policy
    return obj


AUTO = {"automated": {"prune": True, "selfHeal": True}}
