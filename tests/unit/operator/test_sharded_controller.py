"""The controller and the ApplicationSet loop with sharding, against a fake API server and
a shard the test controls: only owned keys are read and written, a pass during which
ownership was lost records nothing, the status names its writer and is written only if
the previous writer is still the one read, and a change of ownership queues what was
gained (recently changed first) and drops what was lost."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from gitopsd.errors import Fenced, Invalid
from gitopsd.model.keys import ResourceKey
from gitopsd.operator.appsets import AppSetController
from gitopsd.operator.controller import LEASE_WAIT_SECONDS, Controller
from gitopsd.project import ApplicationNamespaces
from gitopsd.sharding import Ownership, WriteGate, application_key, appset_key
from gitopsd.sync.compare import DryRunMemo
from gitopsd.sync.environment import ReconcileSettings
from gitopsd.sync.passes import AppEvent
from gitopsd.sync.reconciler import ReconcileResult

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
STAMP = "2026-11-23T12:00:00Z"


class FakeShard:
    """Owns the keys in ``owned`` while ``valid``."""

    def __init__(self, *owned: str) -> None:
        self.replica = "replica-a"
        self.owned = set(owned)
        self.valid = True

    def owns(self, key: str) -> bool:
        return self.valid and key in self.owned

    def assigned(self, key: str) -> bool:
        return key in self.owned

    @contextlib.contextmanager
    def writing(self, key: str) -> Iterator[None]:
        if not self.owns(key):
            raise Fenced(f"{key}: not owned")
        yield


class FakeLocal:
    def __init__(self, apps: dict[str, dict[str, Any]]) -> None:
        self.apps = apps
        self.reads: list[str] = []
        self.writes: list[tuple[str, Any]] = []
        self.refuse_expected_status = False

    def get(self, key: ResourceKey) -> dict[str, Any] | None:
        self.reads.append(key.name)
        return self.apps.get(key.name)

    def replace_status(
        self, key: ResourceKey, status: dict[str, Any], *, expect: Any = None
    ) -> dict[str, Any]:
        if expect is not None and self.refuse_expected_status:
            raise Invalid(f"{key}: test failed", status=422)
        self.writes.append(("status", (status, expect)))
        return {}

    def json_patch(self, key: ResourceKey, ops: list[dict[str, Any]]) -> dict[str, Any]:
        self.writes.append(("json_patch", ops))
        return {}

    def merge_patch(self, key: ResourceKey, patch: dict[str, Any]) -> dict[str, Any]:
        self.writes.append(("merge_patch", patch))
        return {}

    def create_event(self, event: dict[str, Any]) -> None:
        self.writes.append(("event", (event["reason"], event["reportingInstance"])))


class FixedClock:
    def now(self) -> dt.datetime:
        return NOW


class FakeEnv:
    def __init__(self) -> None:
        self.memo = DryRunMemo()

    def memo_for(self, server: str) -> DryRunMemo:
        return self.memo

    def cluster_for(self, destination: Any) -> tuple[Any, str]:
        return object(), "https://kubernetes.default.svc"


class StubReconciler:
    def __init__(self, result: ReconcileResult, during: Any = None) -> None:
        self.result = result
        self.during = during
        self.orphans: dict[tuple[str, str], int] = {}
        self.env = FakeEnv()
        self.settings = ReconcileSettings(app_namespaces=ApplicationNamespaces("gitopsd"))
        self.forgotten: list[tuple[str, str]] = []

    def reconcile(self, app: dict[str, Any]) -> ReconcileResult:
        if self.during is not None:
            self.during()
        return self.result

    def forget(self, namespace: str, name: str) -> None:
        self.forgotten.append((namespace, name))


def app(name: str, *, writer: dict[str, str] | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"sync": {"status": "OutOfSync"}}
    if writer is not None:
        status["controller"] = writer
    meta = {"name": name, "namespace": "gitopsd", "resourceVersion": "7", "generation": 1}
    spec = {
        "project": "default",
        "source": {"repoURL": "https://git.example.com/r.git", "path": name},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
    }
    return {"metadata": meta, "spec": spec, "status": status}


def result(**status: Any) -> ReconcileResult:
    return ReconcileResult(
        status={"sync": {"status": "Synced"}, **status},
        events=[AppEvent("Normal", "OperationStarted", "sync")],
    )


def controller(
    local: FakeLocal, shard: FakeShard, reconciler: StubReconciler | None = None
) -> Controller:
    ctl = Controller(
        local,  # type: ignore[arg-type]
        reconciler or StubReconciler(result()),  # type: ignore[arg-type]
        clock=FixedClock(),
        metrics=None,
        interval_seconds=120.0,
        gate=WriteGate(shard),
    )
    ctl._watch_kinds = lambda app, result: None  # type: ignore[method-assign]
    return ctl


def key(name: str) -> str:
    return application_key("gitopsd", name)


def test_the_status_names_its_writer_and_holds_only_over_the_writer_read() -> None:
    previous = {"replica": "replica-b", "since": "2026-11-20T08:00:00Z"}
    local = FakeLocal({"web": app("web", writer=previous)})
    ctl = controller(local, FakeShard(key("web")))
    ctl.process(("gitopsd", "web"))
    assert ctl.events.flush(timeout=10.0)  # Events are posted from the sink's threads
    (status, expect), event = local.writes[0][1], local.writes[1][1]
    assert status["controller"] == {"replica": "replica-a", "since": STAMP}
    assert expect == {"/status/controller": previous}
    assert event == ("OperationStarted", "replica-a")


def test_the_same_writer_keeps_since() -> None:
    mine = {"replica": "replica-a", "since": "2026-11-20T08:00:00Z"}
    local = FakeLocal({"web": app("web", writer=mine)})
    controller(local, FakeShard(key("web"))).process(("gitopsd", "web"))
    status, expect = local.writes[0][1]
    assert status["controller"] == mine
    assert expect == {"/status/controller": mine}


def test_another_replica_s_application_is_not_even_read() -> None:
    local = FakeLocal({"web": app("web")})
    assert controller(local, FakeShard()).process(("gitopsd", "web")) is None
    assert local.reads == [] and local.writes == []


def test_while_the_lease_is_late_the_application_waits_unread() -> None:
    local = FakeLocal({"web": app("web")})
    shard = FakeShard(key("web"))
    shard.valid = False
    assert controller(local, shard).process(("gitopsd", "web")) == LEASE_WAIT_SECONDS
    assert local.reads == [] and local.writes == []


def test_a_pass_that_lost_ownership_midway_records_nothing() -> None:
    local = FakeLocal({"web": app("web")})
    shard = FakeShard(key("web"))
    reconciler = StubReconciler(result(), during=shard.owned.clear)
    assert controller(local, shard, reconciler).process(("gitopsd", "web")) is None
    assert local.writes == []


def test_a_status_written_by_another_replica_meanwhile_stops_the_pass_s_writes() -> None:
    previous = {"replica": "replica-b", "since": "2026-11-20T08:00:00Z"}
    local = FakeLocal({"web": app("web", writer=previous)})
    local.refuse_expected_status = True
    shard = FakeShard(key("web"))
    ctl = controller(local, shard)
    assert ctl.process(("gitopsd", "web")) == LEASE_WAIT_SECONDS
    assert local.writes == []  # no events, no operation cleared
    assert ctl.gate.refusals == 1


def test_ownership_changes_queue_the_gained_changed_first_and_drop_the_lost() -> None:
    names = ("kept", "lost", "quiet", "edited")
    local = FakeLocal({n: app(n) for n in names})
    shard = FakeShard(key("kept"), key("lost"))
    reconciler = StubReconciler(
        result(resources=[{"group": "", "kind": "ConfigMap", "namespace": "web", "name": "x"}])
    )
    ctl = controller(local, shard, reconciler)
    for name in names:
        ctl.on_application_event("ADDED", app(name))
    assert sorted(k for k, _ in ctl.queue._due) == ["gitopsd"] * 2  # kept and lost only
    ctl.process(("gitopsd", "lost"))
    memo = reconciler.env.memo
    memo.store(ResourceKey("", "ConfigMap", "web", "x"), "hash", {"metadata": {}})
    # An object of "edited" (another replica's) changes: remembered, not queued.
    ctl._on_managed_change("gitopsd_edited", "MODIFIED", "ConfigMap gitopsd/edited")
    assert ("gitopsd", "edited") not in ctl.queue._due
    # A routine pass of an Application it already owned is due before the takeover.
    ctl.queue.forget(("gitopsd", "kept"))
    ctl.queue.add(("gitopsd", "kept"))
    after = FakeOwnership({key("kept"), key("quiet"), key("edited")})
    shard.owned = {key("kept"), key("quiet"), key("edited")}
    assert ctl.on_ownership(FakeOwnership({key("kept"), key("lost")}), after) == (2, 1)
    assert reconciler.forgotten == [("gitopsd", "lost")]
    assert memo.entries == {}  # its dry-run predictions went with it
    # The edited one is a change someone made, urgent as its watch event would have been
    # to its owner: it goes before routine passes due earlier, and before the quiet one
    # taken over with it, which waits in the background lane.
    assert ctl.queue.get(timeout=1) == ("gitopsd", "edited")
    assert ctl.queue.get(timeout=1) == ("gitopsd", "kept")
    assert ctl.queue.get(timeout=1) == ("gitopsd", "quiet")


class FakeOwnership(Ownership):
    """An ownership that assigns exactly the given keys."""

    def __init__(self, keys: set[str]) -> None:
        super().__init__("replica-a")
        object.__setattr__(self, "keys", keys)

    def assigns(self, key: str) -> bool:
        return key in self.keys  # type: ignore[attr-defined]


class FakeAppSetLocal(FakeLocal):
    def list(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        return []


def test_the_applicationset_loop_acts_only_on_its_share() -> None:
    local = FakeAppSetLocal({})
    shard = FakeShard(appset_key("gitopsd", "mine"))
    loop = AppSetController(
        local,  # type: ignore[arg-type]
        repos=None,  # type: ignore[arg-type]
        clusters=list,
        clock=FixedClock(),
        interval_seconds=120.0,
        gate=WriteGate(shard),
    )
    for name in ("mine", "theirs"):
        loop.on_event("ADDED", {"metadata": {"namespace": "gitopsd", "name": name}})
    assert list(loop.queue._due) == [("gitopsd", "mine")]
    assert loop.process(("gitopsd", "theirs")) is None
    assert local.reads == []
    loop.on_ownership(FakeOwnership(set()), FakeOwnership({appset_key("gitopsd", "theirs")}))
    assert ("gitopsd", "theirs") in loop.queue._due
    assert sorted(loop.known()) == [("gitopsd", "mine"), ("gitopsd", "theirs")]
