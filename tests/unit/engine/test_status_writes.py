"""The status the operator writes after a pass, checked on the in-memory cluster."""

from __future__ import annotations

from gitopsd.operator.controller import Controller
from tests.unit.engine.harness import APP_KEY, Engine, deployment


def test_a_healthy_application_keeps_no_stale_health_message() -> None:
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
