"""Method calls on Metrics show up as the expected samples (scenarios in testdata/).

Each ``testdata/<scenario>.yaml`` lists calls (method name -> keyword arguments), samples
that must be exposed (``labels`` may be a subset of the sample's labels), samples that
must not, and strings that must never appear anywhere in the exposition.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from gitopsd.metrics import AppState, GitRequestType, Metrics

TESTDATA = Path(__file__).parent / "testdata"
SCENARIOS = sorted(p.stem for p in TESTDATA.glob("*.yaml"))


def run_calls(metrics: Metrics, calls: list[dict[str, Any]]) -> None:
    for call in calls:
        ((method, kwargs),) = call.items()
        if method == "set_app":
            metrics.set_app(AppState(**kwargs))
        else:
            getattr(metrics, method)(**kwargs)


def samples_of(metrics: Metrics) -> list[Sample]:
    text = metrics.exposition().decode()
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def matching(samples: list[Sample], name: str, labels: dict[str, Any]) -> list[Sample]:
    wanted = {k: str(v) for k, v in labels.items()}
    return [s for s in samples if s.name == name and wanted.items() <= s.labels.items()]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario: str) -> None:
    case = yaml.safe_load((TESTDATA / f"{scenario}.yaml").read_text())
    metrics = Metrics(argocd_compat=case["argocd_compat"])
    run_calls(metrics, case["calls"])
    samples = samples_of(metrics)
    for expected in case.get("expect", []):
        found = matching(samples, expected["sample"], expected["labels"])
        assert [s.value for s in found] == [expected["value"]], expected
    for unwanted in case.get("absent", []):
        assert matching(samples, unwanted["sample"], unwanted["labels"]) == [], unwanted
    exposition = metrics.exposition().decode()
    for secret in case.get("never_contains", []):
        assert secret not in exposition


def test_info_series_is_replaced_not_added() -> None:
    metrics = Metrics()
    for status in ("OutOfSync", "Synced", "OutOfSync", "Unknown"):
        metrics.set_app(
            AppState(
                "gitopsd",
                "web",
                "default",
                "https://g/r",
                "https://k",
                "web",
                status,
                "Healthy",
                True,
            )
        )
    info = matching(samples_of(metrics), "gitopsd_app_info", {})
    assert [s.labels["sync_status"] for s in info] == ["Unknown"]


def test_registries_are_independent() -> None:
    one, two = Metrics(), Metrics()
    one.count_webhook_request("github", "accepted")
    assert matching(samples_of(two), "gitopsd_webhook_requests_total", {}) == []


def test_info_series_are_sorted_for_a_stable_exposition() -> None:
    metrics = Metrics()
    for name in ("zeta", "alpha", "mid"):
        metrics.set_app(
            AppState(
                "gitopsd",
                name,
                "default",
                "https://g/r",
                "https://k",
                name,
                "Synced",
                "Healthy",
                False,
            )
        )
    info = matching(samples_of(metrics), "gitopsd_app_info", {})
    assert [s.labels["name"] for s in info] == ["alpha", "mid", "zeta"]


def test_no_created_series() -> None:
    metrics = Metrics(argocd_compat=True)
    metrics.record_git_request("https://g/r", GitRequestType.FETCH, 0.1)
    assert b"_created" not in metrics.exposition()


def test_argocd_set_is_opt_in() -> None:
    assert b"argocd_" not in Metrics().exposition()
    assert b"argocd_app_info" in Metrics(argocd_compat=True).exposition()
