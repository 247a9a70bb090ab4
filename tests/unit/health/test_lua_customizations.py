"""Lua customizations against golden cases: each ``testdata/lua/<scenario>/`` holds
``customizations.yaml`` (a ``resource.customizations`` mapping or a gitopsd-cm
ConfigMap), ``object.yaml`` and ``expected.yaml`` (``status``/``message``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.health import (
    Health,
    HealthAssessor,
    customizations_from_configmap,
    parse_customizations,
)
from gitopsd.model.vocab import HealthStatus

TESTDATA = Path(__file__).parent / "testdata" / "lua"
SCENARIOS = sorted(path.name for path in TESTDATA.iterdir() if path.is_dir())


def load_customizations(path: Path) -> dict[str, str]:
    document = yaml.safe_load(path.read_text())
    if isinstance(document, dict) and document.get("kind") == "ConfigMap":
        return customizations_from_configmap(document)
    return parse_customizations(document)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def expected_health(entry: dict[str, Any]) -> Health | None:
    if entry["status"] is None:
        return None
    return Health(HealthStatus(entry["status"]), entry["message"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_lua_health(scenario: str) -> None:
    case = TESTDATA / scenario
    assessor = HealthAssessor(load_customizations(case / "customizations.yaml"))
    health = assessor.assess(load(case / "object.yaml"))
    assert health == expected_health(load(case / "expected.yaml"))


def test_a_customization_only_applies_to_its_kinds() -> None:
    scripts = load_customizations(TESTDATA / "crossplane-wildcard-ready" / "customizations.yaml")
    case = Path(__file__).parent / "testdata" / "apps" / "Deployment" / "healthy.yaml"
    deployment = load(case)["object"]
    assert HealthAssessor(scripts).assess(deployment) == Health(HealthStatus.HEALTHY)


def test_compiled_scripts_are_reused_across_objects() -> None:
    scripts = load_customizations(
        TESTDATA / "cert-manager-certificate-ready" / "customizations.yaml"
    )
    assessor = HealthAssessor(scripts)
    ready = load(TESTDATA / "cert-manager-certificate-ready" / "object.yaml")
    failed = load(TESTDATA / "cert-manager-certificate-failed" / "object.yaml")
    results = [assessor.assess(obj) for obj in (ready, failed, ready)]
    assert [h.status for h in results if h] == ["Healthy", "Degraded", "Healthy"]
