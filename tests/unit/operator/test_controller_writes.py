"""The controller's writes after a pass, against a fake API server: the status is
replaced whole and first; a consumed request is cleared only once its state is recorded,
and only if it is still the one consumed; a refused status write keeps the request and
backs off; a finalizer patch that lost a race is retried quietly."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest

from gitopsd.errors import Conflict, Forbidden, Invalid
from gitopsd.model.keys import ResourceKey
from gitopsd.operator.app_writes import CONFLICT_RETRY_SECONDS
from gitopsd.operator.backoff import FailureBackoff
from gitopsd.operator.controller import Controller
from gitopsd.project import ApplicationNamespaces
from gitopsd.sync.environment import ReconcileSettings
from gitopsd.sync.passes import AppEvent
from gitopsd.sync.reconciler import ReconcileResult

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
REQUEST = {"sync": {"prune": False}, "initiatedBy": {"username": "alice"}}


class FakeLocal:
    """Records the writes; ``refuse`` makes one verb raise."""

    def __init__(self, app: dict[str, Any]) -> None:
        self.app = app
        self.writes: list[tuple[str, Any]] = []
        self.refuse: dict[str, Exception] = {}

    def get(self, key: ResourceKey) -> dict[str, Any]:
        return self.app

    def replace_status(self, key: ResourceKey, status: dict[str, Any]) -> dict[str, Any]:
        self._maybe_refuse("status")
        self.writes.append(("status", status))
        return {}

    def json_patch(self, key: ResourceKey, ops: list[dict[str, Any]]) -> dict[str, Any]:
        self._maybe_refuse("json_patch")
        self.writes.append(("json_patch", ops))
        return {}

    def merge_patch(self, key: ResourceKey, patch: dict[str, Any]) -> dict[str, Any]:
        self._maybe_refuse("merge_patch")
        self.writes.append(("merge_patch", patch))
        return {}

    def create_event(self, event: dict[str, Any]) -> None:
        self.writes.append(("event", event["reason"]))

    def _maybe_refuse(self, verb: str) -> None:
        if verb in self.refuse:
            raise self.refuse[verb]


class FixedClock:
    def now(self) -> dt.datetime:
        return NOW


class StubReconciler:
    def __init__(self, result: ReconcileResult) -> None:
        self.result = result
        self.forgotten: list[tuple[str, str]] = []
        self.env = None
        self.settings = ReconcileSettings(app_namespaces=ApplicationNamespaces("gitopsd"))

    def reconcile(self, app: dict[str, Any]) -> ReconcileResult:
        return self.result

    def forget(self, namespace: str, name: str) -> None:
        self.forgotten.append((namespace, name))


def application(**extra: Any) -> dict[str, Any]:
    meta = {"name": "web", "namespace": "gitopsd", "resourceVersion": "7"}
    return {"metadata": meta, "spec": {}, "status": {"sync": {"status": "OutOfSync"}}, **extra}


def controller(local: FakeLocal, result: ReconcileResult) -> Controller:
    ctl = Controller(
        local,  # type: ignore[arg-type]
        StubReconciler(result),  # type: ignore[arg-type]
        clock=FixedClock(),
        metrics=None,
        interval_seconds=120.0,
    )
    ctl._watch_kinds = lambda app, result: None  # type: ignore[method-assign]
    return ctl


def recorded(status: dict[str, Any]) -> ReconcileResult:
    return ReconcileResult(
        status=status,
        clear_operation=True,
        events=[AppEvent("Normal", "OperationStarted", "sync to abc")],
    )


def test_the_status_is_replaced_then_the_consumed_request_cleared_if_unchanged() -> None:
    local = FakeLocal(application(operation=REQUEST))
    status = {"sync": {"status": "OutOfSync"}, "operationState": {"phase": "Running"}}
    ctl = controller(local, recorded(status))
    ctl.process(("gitopsd", "web"))
    assert ctl.events.flush(timeout=10.0)  # Events are posted by the sink's threads
    verbs = [verb for verb, _ in local.writes]
    assert verbs == ["status", "json_patch", "event"]
    assert local.writes[0][1] == status  # the whole status, nothing merged
    assert local.writes[1][1] == [
        {"op": "test", "path": "/operation", "value": REQUEST},
        {"op": "remove", "path": "/operation"},
    ]


def test_a_refused_status_write_keeps_the_request_and_backs_off() -> None:
    local = FakeLocal(application(operation=REQUEST))
    local.refuse["status"] = Forbidden("denied by policy", status=403)
    ctl = controller(local, recorded({"operationState": {"phase": "Running"}}))
    delays = [ctl.process(("gitopsd", "web")) for _ in range(3)]
    assert local.writes == []  # no clear, no event
    assert all(d is not None for d in delays)
    assert delays[0] is not None and delays[0] <= FailureBackoff().delay(1, lambda: 1.0)
    assert delays[2] is not None and delays[2] >= FailureBackoff().delay(3, lambda: 0.0)


def test_a_request_replaced_meanwhile_is_left_for_the_next_pass(
    caplog: pytest.LogCaptureFixture,
) -> None:
    local = FakeLocal(application(operation=REQUEST))
    local.refuse["json_patch"] = Invalid("test operation failed", status=422)
    ctl = controller(local, recorded({"operationState": {"phase": "Running"}}))
    with caplog.at_level(logging.INFO):
        ctl.process(("gitopsd", "web"))
    assert ctl.events.flush(timeout=10.0)
    assert [verb for verb, _ in local.writes] == ["status", "event"]
    assert "left for the next pass" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_finalizer_patch_that_lost_a_race_is_retried_soon_without_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = application()
    app["metadata"]["finalizers"] = ["resources-finalizer.gitopsd.io", "other"]
    local = FakeLocal(app)
    local.refuse["merge_patch"] = Conflict("the object has been modified", status=409)
    result = ReconcileResult(
        status=app["status"], remove_finalizers=("resources-finalizer.gitopsd.io",)
    )
    with caplog.at_level(logging.INFO):
        delay = controller(local, result).process(("gitopsd", "web"))
    assert delay == CONFLICT_RETRY_SECONDS
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_failed_pass_backs_off_and_a_good_one_resets_it() -> None:
    local = FakeLocal(application())
    failing = ReconcileResult(status={"sync": {"status": "Unknown"}}, failed=True)
    ctl = controller(local, failing)
    first = ctl.process(("gitopsd", "web"))
    second = ctl.process(("gitopsd", "web"))
    assert first is not None and second is not None and first < second
    ctl.reconciler = StubReconciler(ReconcileResult(status={"sync": {"status": "Synced"}}))  # type: ignore[assignment]
    assert ctl.process(("gitopsd", "web")) == pytest.approx(120.0, rel=0.25)
    ctl.reconciler = StubReconciler(failing)  # type: ignore[assignment]
    again = ctl.process(("gitopsd", "web"))
    assert again is not None and again <= first * 1.5  # back to the start of the back-off


def test_an_unexpected_exception_is_logged_once_and_backed_off() -> None:
    class Exploding(StubReconciler):
        def reconcile(self, app: dict[str, Any]) -> ReconcileResult:
            raise RuntimeError("bug")

    ctl = controller(FakeLocal(application()), ReconcileResult(status={}))
    ctl.reconciler = Exploding(ReconcileResult(status={}))  # type: ignore[assignment]
    delay = ctl.process(("gitopsd", "web"))
    assert delay is not None and delay < 10


def test_a_status_that_differs_only_in_its_timestamps_is_never_written() -> None:
    """An unchanged pass makes no write: not on the next pass, not after a restart (a new
    controller over the same Application), however much time has passed."""
    written = {
        "sync": {"status": "Synced"},
        "health": {"status": "Healthy"},
        "reconciledAt": "2026-11-23T11:00:00Z",
        "observedAt": "2026-11-23T11:00:00Z",
    }
    local = FakeLocal(application(status=written))
    same = {**written, "reconciledAt": "2026-11-23T12:00:00Z", "observedAt": "2026-11-23T12:00:00Z"}
    result = ReconcileResult(status=same)
    for ctl in (controller(local, result), controller(local, result)):
        for _ in range(3):
            ctl.process(("gitopsd", "web"))
        assert ctl.events.flush(timeout=10.0)
    assert local.writes == []
    # A real change is written at once, whole.
    changed = {**same, "health": {"status": "Degraded"}}
    controller(local, ReconcileResult(status=changed)).process(("gitopsd", "web"))
    assert local.writes == [("status", changed)]
