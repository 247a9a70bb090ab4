"""A small in-memory cluster and environment for reconciler unit tests.

``FakeCluster`` keeps objects in a dict and implements the ``ClusterPort`` verbs the
reconciler uses, closely enough that a pass over unchanged objects finds them in sync:
apply stores the object (with a resourceVersion), a dry run returns what apply would
store. ``FakeEnvironment`` renders from a map of commit -> objects and can simulate a Git
outage. Neither is a general Kubernetes: they hold only what these tests need.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitopsd.errors import GitopsdError, NotFound, RepositoryUnreachable, SpecError
from gitopsd.health import HealthAssessor
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import NOT_SERVED, ApiResource, KubeObject
from gitopsd.project import Project, default_project
from gitopsd.render import GeneratedManifests, RenderContext
from gitopsd.source import CommitInfo
from gitopsd.spec import ApplicationSpec, Destination
from gitopsd.sync.compare import DryRunMemo

SERVER = "https://kubernetes.default.svc"
OLD = "a" * 40
NEW = "b" * 40

KINDS = {
    GroupKind("", "ConfigMap"): ApiResource("", "v1", "ConfigMap", "configmaps", True),
    GroupKind("", "Namespace"): ApiResource("", "v1", "Namespace", "namespaces", False),
    GroupKind("batch", "Job"): ApiResource("batch", "v1", "Job", "jobs", True),
}


class FakeCluster:
    def __init__(self) -> None:
        self.objects: dict[ResourceKey, KubeObject] = {}
        self.served: dict[GroupKind, ApiResource] = dict(KINDS)
        self.calls: list[tuple[str, ResourceKey]] = []
        self._version = 0

    # --- ClusterPort ----------------------------------------------------------------
    def server_version(self) -> str:
        return "v1.36.3"

    def resources(self, *, refresh: bool = False) -> Mapping[GroupKind, ApiResource]:
        return dict(self.served)

    def get(self, key: ResourceKey) -> KubeObject | None:
        self._served(key)
        found = self.objects.get(key)
        return copy.deepcopy(found) if found is not None else None

    def list(
        self,
        group_kind: GroupKind,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[KubeObject]:
        wanted = dict(p.split("=", 1) for p in (label_selector or "").split(",") if "=" in p)
        found = []
        for key, obj in sorted(self.objects.items()):
            labels = (obj.get("metadata") or {}).get("labels") or {}
            if key.group_kind != group_kind or (namespace and key.namespace != namespace):
                continue
            if all(labels.get(k) == v for k, v in wanted.items()):
                found.append(copy.deepcopy(obj))
        return found

    def apply(
        self,
        obj: KubeObject,
        *,
        dry_run: bool = False,
        force: bool = True,
        field_manager: str = "gitopsd",
        field_validation: str = "",
    ) -> KubeObject:
        key = ResourceKey.of(obj)
        self._served(key)
        stored = self._stored(obj, self.objects.get(key))
        if not dry_run:
            self.calls.append(("apply", key))
            self._version += 1
            stored["metadata"]["resourceVersion"] = str(self._version)
            self.objects[key] = stored
        return copy.deepcopy(stored)

    def create(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        key = ResourceKey.of(obj)
        self._served(key)
        if key in self.objects:
            raise GitopsdError(f"{key}: already exists")
        return self.apply(obj, dry_run=dry_run)

    def replace(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        return self.apply(obj, dry_run=dry_run)

    def delete(
        self, key: ResourceKey, *, propagation: str = "Foreground", dry_run: bool = False
    ) -> None:
        self._served(key)
        if not dry_run and key in self.objects:
            self.calls.append(("delete", key))
            del self.objects[key]

    def merge_patch(self, key: ResourceKey, patch: KubeObject) -> KubeObject:
        raise NotImplementedError

    # --- helpers --------------------------------------------------------------------
    def _served(self, key: ResourceKey) -> None:
        if key.group_kind not in self.served:
            raise NotFound(f"{key.group_kind}: kind is not served", status=404, reason=NOT_SERVED)

    @staticmethod
    def _stored(obj: KubeObject, live: KubeObject | None) -> KubeObject:
        stored = copy.deepcopy(obj)
        meta = stored.setdefault("metadata", {})
        meta.setdefault("creationTimestamp", "2026-11-23T12:00:00Z")
        if live is not None:
            meta["resourceVersion"] = live["metadata"].get("resourceVersion", "")
            if "status" in live:
                stored["status"] = copy.deepcopy(live["status"])
        return stored

    def created(self, kind: str) -> list[ResourceKey]:
        return [key for verb, key in self.calls if verb == "apply" and key.kind == kind]


@dataclass
class FakeEnvironment:
    """Commits are rendered from ``commits``; ``head`` is what every branch points at."""

    cluster: FakeCluster
    commits: dict[str, list[KubeObject]]
    head: str = NEW
    git_down: bool = False
    clusters: dict[str, FakeCluster] = field(default_factory=dict)
    rendered: list[tuple[str, ...]] = field(default_factory=list)

    def cluster_for(self, destination: Destination) -> tuple[Any, str]:
        if destination.server == SERVER:
            return self.cluster, SERVER
        if destination.server in self.clusters:
            return self.clusters[destination.server], destination.server
        raise SpecError(f"destination server {destination.server} is not a registered cluster")

    def generate(
        self,
        spec: ApplicationSpec,
        context: RenderContext,
        revisions: list[str] | None,
        *,
        fresh: bool = False,
    ) -> GeneratedManifests:
        wanted = [r if r and len(r) == 40 else None for r in (revisions or [None])]
        if self.git_down and any(r is None for r in wanted):
            raise RepositoryUnreachable("https://git.example.com/app.git: repository unreachable")
        shas = tuple(r or self.head for r in wanted)
        self.rendered.append(shas)
        objects = [copy.deepcopy(o) for sha in shas for o in self.commits[sha]]
        when = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
        commits = tuple(CommitInfo(s, "Ada", "ada@example.com", when, "change") for s in shas)
        return GeneratedManifests(objects=tuple(objects), revisions=shas, commits=commits)

    def projects(self, namespace: str) -> Mapping[str, Project]:
        return {"default": default_project()}

    def assessor(self) -> HealthAssessor:
        return HealthAssessor()

    def memo_for(self, server: str) -> DryRunMemo:
        return DryRunMemo()


class FixedClock:
    def __init__(self, now: dt.datetime) -> None:
        self.current = now

    def now(self) -> dt.datetime:
        return self.current


def configmap(name: str, value: str, **annotations: str) -> KubeObject:
    meta: dict[str, Any] = {"name": name}
    if annotations:
        meta["annotations"] = dict(annotations)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"v": value}}


def hook_job(name: str, phase: str = "PreSync") -> KubeObject:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "annotations": {"argocd.argoproj.io/hook": phase}},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "busybox"}]}}},
    }


def application(
    *,
    operation: dict[str, Any] | None = None,
    status: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
    finalizers: list[str] | None = None,
    deleting: bool = False,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "web", "namespace": "gitopsd", "resourceVersion": "1"}
    if annotations:
        meta["annotations"] = annotations
    if finalizers:
        meta["finalizers"] = finalizers
    if deleting:
        meta["deletionTimestamp"] = "2026-11-23T12:00:00Z"
    body: dict[str, Any] = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": meta,
        "spec": spec
        or {
            "project": "default",
            "source": {"repoURL": "https://git.example.com/app.git", "path": "app"},
            "destination": {"server": SERVER, "namespace": "web"},
        },
    }
    if operation is not None:
        body["operation"] = operation
    if status is not None:
        body["status"] = status
    return body
