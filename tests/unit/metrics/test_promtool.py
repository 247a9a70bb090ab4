"""Prometheus's own tool accepts the exposition, and the alert rules behave as tested.

promtool comes from the testbed bin directory (``hack/build-testbed.sh``), which
``tests/conftest.py`` puts on PATH.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from gitopsd.metrics import AppState, ConnectionStatus, GitRequestType, Metrics

REPO = Path(__file__).resolve().parents[3]
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yaml"
ALERT_TESTS = REPO / "deploy" / "prometheus" / "alerts_test.yaml"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is not built yet: run hack/build-testbed.sh"
)
# Argo CD's own name, kept for compatibility although promtool's lint dislikes the suffix.
KNOWN_ARGOCD_LINT = {
    "argocd_app_orphaned_resources_count non-histogram and non-summary metrics should not "
    'have "_count" suffix'
}


def busy_metrics(*, argocd_compat: bool) -> Metrics:
    """A registry with a sample in every family."""
    metrics = Metrics(argocd_compat=argocd_compat)
    metrics.set_app(
        AppState(
            "gitopsd",
            "web",
            "default",
            "https://github.com/org/deploy.git",
            "https://kubernetes.default.svc",
            "web",
            "OutOfSync",
            "Degraded",
            True,
            "sync",
        )
    )
    metrics.record_sync("gitopsd", "web", "default", "Succeeded", dest_server="https://k")
    metrics.observe_reconcile("gitopsd", "https://kubernetes.default.svc", 1.2)
    metrics.count_k8s_request("patch", "Deployment", 200)
    metrics.record_git_request("https://github.com/org/deploy.git", GitRequestType.FETCH, 0.7)
    metrics.count_git_fetch_failure("https://github.com/org/deploy.git", "main")
    metrics.count_webhook_request("github", "accepted")
    metrics.count_drift("gitopsd", "web", "Deployment")
    metrics.set_orphaned_resources("gitopsd", "web", "default", 1)
    metrics.set_cluster("https://kubernetes.default.svc", "in-cluster", ConnectionStatus.SUCCESSFUL)
    return metrics


def promtool(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args],
        input=stdin.decode(),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@needs_promtool
def test_gitopsd_exposition_passes_promtool_lint() -> None:
    done = promtool("check", "metrics", stdin=busy_metrics(argocd_compat=False).exposition())
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


@needs_promtool
def test_argocd_compat_exposition_has_only_argocds_own_lint() -> None:
    done = promtool("check", "metrics", stdin=busy_metrics(argocd_compat=True).exposition())
    problems = {line.strip() for line in (done.stdout + done.stderr).splitlines() if line.strip()}
    assert problems == KNOWN_ARGOCD_LINT


@needs_promtool
def test_alert_rules_are_valid() -> None:
    done = promtool("check", "rules", str(ALERTS))
    assert done.returncode == 0, done.stdout + done.stderr


@needs_promtool
def test_alert_rules_pass_their_unit_tests() -> None:
    done = promtool("test", "rules", str(ALERT_TESTS))
    assert done.returncode == 0, done.stdout + done.stderr


def test_alerts_use_only_exposed_metrics_and_labels() -> None:
    exposition = busy_metrics(argocd_compat=False).exposition().decode()
    rules = [r for g in yaml.safe_load(ALERTS.read_text())["groups"] for r in g["rules"]]
    for rule in rules:
        for name in re.findall(r"\bgitopsd_[a-z_]+", rule["expr"]):
            assert f"\n{name}{{" in exposition, f"{rule['alert']}: {name} is not exposed"
        labels_used = re.findall(r"\$labels\.([a-z_]+)", str(rule["annotations"]))
        labels_used += re.findall(r"([a-z_]+)=~?\"", rule["expr"])
        for label in labels_used:
            assert f'{label}="' in exposition, f"{rule['alert']}: no label {label}"
