"""kopf's peering is off: by default kopf looks for a KopfPeering named "default" and,
when one exists, pauses the operator while a peer of higher priority is alive. gitopsd's
only way to run several replicas is sharding over Leases, so the startup handler makes
kopf standalone whatever the cluster holds."""

from __future__ import annotations

from typing import Any

import kopf
import pytest
from kopf._core.intents.causes import Activity

from gitopsd.config import ControllerSettings
from gitopsd.operator import handlers, main


class FakeRuntime:
    started = False

    def start(self) -> None:
        self.started = True


def test_the_startup_handler_makes_kopf_standalone() -> None:
    runtime = FakeRuntime()
    registry = kopf.OperatorRegistry()
    handlers.register(runtime, registry)  # type: ignore[arg-type]
    settings = kopf.OperatorSettings()
    assert not settings.peering.standalone  # kopf's default: auto-detect peering
    (startup,) = [
        h for h in registry._activities.get_all_handlers() if h.activity == Activity.STARTUP
    ]
    startup.fn(settings=settings)
    assert settings.peering.standalone
    assert not settings.peering.mandatory
    assert runtime.started


def test_the_operator_is_started_standalone(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    async def operator(**kwargs: Any) -> None:
        seen.update(kwargs)

    class Runtime(FakeRuntime):
        def __init__(self, settings: ControllerSettings) -> None:
            self.settings = settings

        def stop(self) -> None:
            pass

    monkeypatch.setattr(main, "configure_logging", lambda *_: None)
    monkeypatch.setattr(main, "Runtime", Runtime)
    monkeypatch.setattr(main.kopf, "operator", operator)
    main.run(ControllerSettings(namespace="gitopsd"))
    assert seen["standalone"] is True
    assert seen.get("peering_name") is None
    assert seen["namespaces"] == ["gitopsd"]
