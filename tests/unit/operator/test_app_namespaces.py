"""The operator's side of Applications in any namespace: which namespaces are watched,
which Applications are listed, delivered and queued, and that a key outside the scope is
dropped without the Application even being read."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, cast

from gitopsd.cluster import KubeCluster, Selection
from gitopsd.model.keys import GroupKind
from gitopsd.operator.app_namespaces import (
    APPLICATION,
    ApplicationWatcher,
    iter_applications,
    slim_metadata,
    watch_scopes,
)
from gitopsd.operator.controller import Controller
from gitopsd.ports import SystemClock
from gitopsd.project import ApplicationNamespaces
from gitopsd.sync.environment import ReconcileSettings
from gitopsd.sync.reconciler import Reconciler

CONTROL = "gitopsd"
WAIT = 10.0


def app(namespace: str, name: str = "web") -> dict[str, Any]:
    return {"metadata": {"namespace": namespace, "name": name, "generation": 1}}


class FakeApplications:
    """Applications by namespace; one watch event per namespace, then quiet until closed.
    Records every namespace asked about ("" is cluster-wide)."""

    def __init__(self, apps: list[dict[str, Any]], events: tuple[dict[str, Any], ...] = ()) -> None:
        self.apps = apps
        self.events = list(events)
        self.listed: list[str] = []
        self.watched: list[str] = []
        self.closed = threading.Event()
        self._lock = threading.Lock()

    def _in(self, namespace: str | None) -> list[dict[str, Any]]:
        return [a for a in self.apps if namespace in (None, a["metadata"]["namespace"])]

    def list(self, group_kind: GroupKind, *, namespace: str | None = None) -> list[dict[str, Any]]:
        assert group_kind == APPLICATION
        self.listed.append(namespace or "")
        return self._in(namespace)

    def collect(
        self, selection: Selection, keep: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], str]:
        assert selection.metadata_only  # the watch never asks for whole Applications
        found = self.list(selection.group_kind, namespace=selection.namespace or None)
        return [keep(obj) for obj in found], "1"

    def pages(self, selection: Selection, page_size: int) -> Iterator[list[dict[str, Any]]]:
        found = self.list(selection.group_kind, namespace=selection.namespace or None)
        for start in range(0, len(found), page_size):
            yield found[start : start + page_size]

    def watch(
        self, selection: Selection, *, resource_version: str, timeout_seconds: int = 300
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        namespace = selection.namespace or None
        assert selection.metadata_only
        with self._lock:
            self.watched.append(namespace or "")
            events = [e for e in self.events if namespace in (None, e["metadata"]["namespace"])]
            self.events = [e for e in self.events if e not in events]
        for event in events:
            yield "MODIFIED", event
        self.closed.wait(WAIT)

    def get(self, key: object) -> dict[str, Any]:
        raise AssertionError(f"read {key}: outside the controller's scope")


def test_plain_names_are_watched_per_namespace_and_patterns_cluster_wide() -> None:
    assert watch_scopes(ApplicationNamespaces(CONTROL, ("team-b", "team-a"))) == (
        CONTROL,
        "team-a",
        "team-b",
    )
    assert watch_scopes(ApplicationNamespaces(CONTROL, ("team-*",))) == ("",)
    assert watch_scopes(ApplicationNamespaces(CONTROL)) == (CONTROL,)


def test_listing_covers_the_control_plane_and_the_enabled_namespaces_only() -> None:
    apps = [app(CONTROL), app("team-a"), app("team-b"), app("kube-system")]
    exact = FakeApplications(apps)
    scope = ApplicationNamespaces(CONTROL, ("team-a",))
    found = list(iter_applications(cast(KubeCluster, exact), scope, page_size=1))
    assert [a["metadata"]["namespace"] for a in found] == [CONTROL, "team-a"]
    assert exact.listed == [CONTROL, "team-a"]

    pattern = FakeApplications(apps)
    found = list(
        iter_applications(cast(KubeCluster, pattern), ApplicationNamespaces(CONTROL, ("team-*",)))
    )
    assert [a["metadata"]["namespace"] for a in found] == [CONTROL, "team-a", "team-b"]
    assert pattern.listed == [CONTROL, ""]


def watch(
    fake: FakeApplications, scope: ApplicationNamespaces, count: int
) -> list[tuple[str, ...]]:
    delivered: list[tuple[str, ...]] = []
    seen = threading.Event()

    def on_event(event_type: str, body: dict[str, Any]) -> None:
        delivered.append((event_type, body["metadata"]["namespace"], body["metadata"]["name"]))
        if len(delivered) == count:
            seen.set()

    watcher = ApplicationWatcher(cast(KubeCluster, fake), on_event)
    watcher.configure(scope)
    try:
        assert seen.wait(WAIT), delivered
    finally:
        watcher.stop()
        fake.closed.set()
    return delivered


def test_the_watcher_delivers_the_control_plane_and_enabled_namespaces_only() -> None:
    apps = [app(CONTROL), app("team-a"), app("kube-system")]
    fake = FakeApplications(apps, events=(app("team-b", "api"), app("other", "api")))
    delivered = watch(fake, ApplicationNamespaces(CONTROL, ("team-*",)), 3)
    assert sorted(delivered[:2]) == [("ADDED", CONTROL, "web"), ("ADDED", "team-a", "web")]
    assert delivered[2] == ("MODIFIED", "team-b", "api")
    assert fake.watched == [""]


def test_without_enabled_namespaces_the_control_plane_alone_is_watched() -> None:
    fake = FakeApplications([app(CONTROL), app("team-a")])
    assert watch(fake, ApplicationNamespaces(CONTROL), 1) == [("ADDED", CONTROL, "web")]
    assert fake.listed == [CONTROL] and fake.watched == [CONTROL]


def test_only_what_asks_for_a_pass_is_kept_of_an_application() -> None:
    body = {
        "apiVersion": "meta.k8s.io/v1",
        "kind": "PartialObjectMetadata",
        "metadata": {
            "name": "web",
            "namespace": CONTROL,
            "generation": 3,
            "resourceVersion": "7",
            "annotations": {
                "gitopsd.io/refresh": "hard",
                "kubectl.kubernetes.io/last-applied-configuration": "{...}",
            },
            "finalizers": ["gitopsd.io/resources-finalizer"],
            "ownerReferences": [{"kind": "ApplicationSet", "name": "set"}],
            "managedFields": [{"manager": "gitopsd"}],
            "labels": {"team": "a"},
        },
    }
    assert slim_metadata(body) == {
        "metadata": {
            "name": "web",
            "namespace": CONTROL,
            "generation": 3,
            "resourceVersion": "7",
            "annotations": {"gitopsd.io/refresh": "hard"},
            "finalizers": ["gitopsd.io/resources-finalizer"],
            "ownerReferences": [{"kind": "ApplicationSet", "name": "set"}],
        }
    }


def controller(fake: FakeApplications, scope: ApplicationNamespaces) -> Controller:
    reconciler = Reconciler(cast(Any, None), SystemClock(), ReconcileSettings(app_namespaces=scope))
    return Controller(
        cast(KubeCluster, fake), reconciler, clock=SystemClock(), metrics=None, interval_seconds=60
    )


def test_keys_outside_the_scope_are_never_queued_nor_read() -> None:
    fake = FakeApplications([])
    ctl = controller(fake, ApplicationNamespaces(CONTROL, ("team-a",)))
    assert ctl.on_application_event("ADDED", app("team-a"))
    assert not ctl.on_application_event("ADDED", app("team-b"))
    ctl.enqueue("team-c", "web")
    assert len(ctl.queue) == 1
    assert ctl.process(("team-b", "web")) is None  # FakeApplications.get would fail


def test_narrowing_the_scope_drops_what_it_no_longer_covers() -> None:
    fake = FakeApplications([])
    ctl = controller(fake, ApplicationNamespaces(CONTROL, ("team-a",)))
    ctl.on_application_event("ADDED", app("team-a"))
    ctl.set_scope(ApplicationNamespaces(CONTROL))
    assert len(ctl.queue) == 0
    assert not ctl.on_application_event("MODIFIED", app("team-a"))
    # Enabled again later, the same Application is queued again (its intent was dropped).
    ctl.set_scope(ApplicationNamespaces(CONTROL, ("team-a",)))
    assert ctl.on_application_event("ADDED", app("team-a"))
