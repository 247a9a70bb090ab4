"""The status the operator writes after a pass, checked on the in-memory cluster."""

from __future__ import annotations

import contextlib
from typing import Any

from gitopsd.operator.controller import Controller
from gitopsd.sharding import WriteGate, application_key
from gitopsd.sync.reconciler import ReconcileResult
from tests.unit.engine.harness import APP_KEY, Engine, deployment

APP_KEY_PAIR = (APP_KEY.namespace, APP_KEY.name)


def test_a_healthy_application_keeps_no_stale_health_message() -> None:
    """The status is replaced whole, so a key the new status no longer has inside a
    nested object (health.message once Healthy) is not kept."""
    engine = Engine([deployment("api")])
    controller = Controller(
        engine.cluster,  # type: ignore[arg-type]
        engine.reconciler,
        clock=engine.clock,
        metrics=None,
        interval_seconds=120,
    )
    engine.sync()
    engine.run()
    progressing = engine.status()["health"]
    assert progressing["status"] == "Progressing"
    assert progressing["message"].startswith("Waiting for rollout")
    engine.roll_out("api")
    app = engine.app()
    result = engine.reconciler.reconcile(app)
    assert result.status["health"] == {"status": "Healthy"}
    result.events = []
    with engine.cluster.unrecorded():
        controller._write(app, result)
    written = engine.cluster.stored(APP_KEY)
    assert written is not None
    assert written["status"]["health"] == {"status": "Healthy"}


class Owner:
    """A shard that owns every key, as the named replica."""

    def __init__(self, replica: str) -> None:
        self.replica = replica

    def owns(self, key: str) -> bool:
        return True

    def assigned(self, key: str) -> bool:
        return True

    def writing(self, key: str) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


def test_a_former_owner_s_late_status_write_is_refused_by_the_server() -> None:
    """With sharding the status names its writer, and a status write holds only over the
    writer the pass read: a replica that lost the Application while it computed a pass
    (frozen, say) cannot overwrite what the new owner wrote."""
    engine = Engine([deployment("api")])

    def controller(replica: str) -> Controller:
        return Controller(
            engine.cluster,  # type: ignore[arg-type]
            engine.reconciler,
            clock=engine.clock,
            metrics=None,
            interval_seconds=120,
            gate=WriteGate(Owner(replica)),
        )

    def reconciled(app: dict[str, Any]) -> ReconcileResult:
        result = engine.reconciler.reconcile(app)
        result.events = []  # the in-memory server keeps no Events
        return result

    old, new = controller("replica-a"), controller("replica-b")
    key = application_key(*APP_KEY_PAIR)
    with old.gate.turn(key):
        app = engine.app()
        old._write(app, reconciled(app))
    assert engine.status()["controller"]["replica"] == "replica-a"
    read_by_old = engine.app()  # the old owner starts a pass, then stalls
    with new.gate.turn(key):
        app = engine.app()
        new._write(app, reconciled(app))
    assert engine.status()["controller"]["replica"] == "replica-b"
    late = reconciled(read_by_old)
    late.status["health"] = {"status": "Degraded", "message": "stale"}
    with old.gate.turn(key) as turn:
        written = old._write(read_by_old, late)
    assert not written.recorded and turn.spoiled()
    status = engine.status()
    assert status["controller"]["replica"] == "replica-b"
    assert status["health"] != {"status": "Degraded", "message": "stale"}
