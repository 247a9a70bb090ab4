"""The Application patches the server and the CLI share: pausing and resuming automated
sync with Argo CD's ``enabled`` field, which the spec parser honours, and rollback's
refusal only while automated sync is really on."""

from __future__ import annotations

import pytest

from gitopsd.errors import ConfigError
from gitopsd.model.app_patches import (
    RefreshType,
    automated_enabled,
    pause_patch,
    refresh_patch,
    terminate_patch,
)
from gitopsd.model.operations import rollback_refusal
from gitopsd.spec import parse_application_spec

SPEC = {
    "project": "default",
    "source": {"repoURL": "https://git.example/r", "path": "p", "targetRevision": "main"},
    "destination": {"server": "https://kubernetes.default.svc", "namespace": "x"},
    "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
}


def with_automated(**fields: object) -> dict[str, object]:
    return {**SPEC, "syncPolicy": {"automated": {"prune": True, "selfHeal": True, **fields}}}


def test_pause_and_resume_keep_the_settings() -> None:
    assert pause_patch(SPEC, paused=True) == {
        "spec": {"syncPolicy": {"automated": {"enabled": False}}}
    }
    assert pause_patch(SPEC, paused=False) is None  # already on
    paused = with_automated(enabled=False)
    assert not automated_enabled(paused)
    assert pause_patch(paused, paused=False) == {
        "spec": {"syncPolicy": {"automated": {"enabled": True}}}
    }
    with pytest.raises(ConfigError, match="not configured"):
        pause_patch({"project": "default"}, paused=True)


def test_the_reconciler_sees_a_paused_policy_as_manual() -> None:
    assert parse_application_spec(SPEC).sync_policy.automated is not None
    paused = parse_application_spec(with_automated(enabled=False))
    assert paused.sync_policy.automated is None
    resumed = parse_application_spec(with_automated(enabled=True))
    assert resumed.sync_policy.automated is not None


def test_rollback_is_refused_only_while_automated_sync_is_on() -> None:
    app = {"metadata": {"name": "a", "namespace": "n"}, "spec": SPEC}
    assert "auto-sync is enabled" in str(rollback_refusal(app))
    app["spec"] = with_automated(enabled=False)
    assert rollback_refusal(app) is None


def test_refresh_and_terminate_annotations() -> None:
    assert refresh_patch(RefreshType.HARD) == {
        "metadata": {"annotations": {"gitopsd.io/refresh": "hard"}}
    }
    assert terminate_patch() == {
        "metadata": {"annotations": {"gitopsd.io/terminate-operation": "true"}}
    }
