"""``gitopsd app diff`` runs the controller's own assessment: the same resource exclusions,
the same gate (spec, project) and the same comparison as a reconcile pass, so it never
shows drift the controller ignores. Driven over the engine scenarios' in-memory parts."""

from __future__ import annotations

import pytest

from gitopsd.cli.app_diff import assessed_diff
from gitopsd.cli.output import ExitCode
from gitopsd.model.filters import ResourceFilter, ResourceFilters
from gitopsd.sync.environment import ReconcileSettings
from tests.unit.engine.harness import Engine, configmap, deployment

NO_DEPLOYMENTS = ReconcileSettings(
    resource_filters=ResourceFilters(exclusions=(ResourceFilter(("apps",), ("Deployment",)),))
)


def diff(engine: Engine, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = assessed_diff(engine.app(), engine.env, engine.settings)
    out, err = capsys.readouterr()
    return code, out, err


def test_excluded_kinds_show_no_drift_as_the_controller_ignores_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = Engine([deployment("web"), configmap("settings")], settings=NO_DEPLOYMENTS)
    engine.reconcile()
    code, out, _ = diff(engine, capsys)
    assert code == ExitCode.FAILED
    assert "ConfigMap/web/settings: missing from the cluster" in out
    assert "Deployment" not in out

    engine.sync()
    engine.start()
    assert engine.run().phase == "Succeeded"
    assert engine.live("Deployment", "web", "apps") is None  # the controller never applied it
    assert engine.status()["sync"]["status"] == "Synced"
    assert diff(engine, capsys)[:2] == (ExitCode.OK, "")


def test_without_the_exclusion_the_same_configmap_is_drift(
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = Engine([deployment("web"), configmap("settings")], settings=NO_DEPLOYMENTS)
    engine.sync()
    engine.start()
    engine.run()
    engine.settings = ReconcileSettings()
    code, out, _ = diff(engine, capsys)
    assert code == ExitCode.FAILED
    assert "Deployment/web/web: missing from the cluster" in out
    assert "ConfigMap" not in out


def test_a_refusal_of_the_gate_is_an_error_naming_the_condition(
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = Engine([configmap("settings")], spec={"project": "missing"})
    code, out, err = diff(engine, capsys)
    assert code == ExitCode.USAGE
    assert out == ""
    assert "error: InvalidSpecError: application references project missing" in err
