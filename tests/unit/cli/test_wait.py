"""Waiting and progress: the polling loop on a driven clock, progress lines per change,
``app wait`` conditions, and the patches of ``app set`` and ``app delete``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from gitopsd.cli.app_wait import Poller, ProgressTracker, WaitFor, unmet_conditions
from gitopsd.errors import ConfigError
from gitopsd.model.app_patches import finalizers_patch, sync_policy_patch


@dataclass
class DrivenClock:
    """A monotonic clock that only moves when the poller sleeps."""

    now: float = 100.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_poller_returns_the_first_value_the_check_accepts() -> None:
    clock = DrivenClock()
    values = iter(["Running", "Running", "Succeeded", "never fetched"])
    result, last = Poller(clock=clock, sleep=clock.sleep).until(
        lambda: next(values), lambda phase: phase if phase == "Succeeded" else None, 10
    )
    assert (result, last) == ("Succeeded", "Succeeded")
    assert clock.sleeps == [0.5, 0.5]


def test_poller_gives_up_at_the_deadline_with_the_last_value() -> None:
    clock = DrivenClock()
    fetched: list[float] = []

    def fetch() -> float:
        fetched.append(clock.now)
        return clock.now

    result, last = Poller(clock=clock, sleep=clock.sleep).until(fetch, lambda _: None, 1.2)
    assert result is None
    assert fetched == [100.0, 100.5, 101.0, 101.2]  # the last sleep is cut to the deadline
    assert last == 101.2


def result(kind: str, name: str, code: str, **extra: Any) -> dict[str, Any]:
    return {
        "group": "apps",
        "kind": kind,
        "namespace": "web",
        "name": name,
        "result": code,
        **extra,
    }


def test_progress_prints_one_line_per_change() -> None:
    tracker = ProgressTracker()
    snapshots: list[dict[str, Any] | None] = [
        None,
        None,
        {"phase": "Running", "message": "", "syncResult": {"resources": []}},
        {
            "phase": "Running",
            "message": "waiting for wave 1",
            "syncResult": {"resources": [result("Deployment", "db", "created")]},
        },
        {
            "phase": "Running",
            "message": "waiting for wave 1",
            "syncResult": {
                "resources": [
                    result("Deployment", "db", "created"),
                    result("Job", "migrate", "created", hookType="PreSync", hookPhase="Running"),
                ]
            },
        },
        {
            "phase": "Failed",
            "message": "one or more objects failed to apply",
            "syncResult": {
                "resources": [
                    result("Deployment", "db", "created"),
                    result("Job", "migrate", "created", hookType="PreSync", hookPhase="Succeeded"),
                    result("Deployment", "api", "failed", message="field is immutable"),
                ]
            },
        },
    ]
    lines = [line for snapshot in snapshots for line in tracker.lines(snapshot)]
    assert lines == [
        "waiting for the controller to start the operation",
        "Running",
        "  Deployment/web/db: created",
        "Running: waiting for wave 1",
        "  Job/web/migrate: created (PreSync hook Running)",
        "  Job/web/migrate: created (PreSync hook Succeeded)",
        "  Deployment/web/api: failed - field is immutable",
        "Failed: one or more objects failed to apply",
    ]


def test_wait_conditions_name_what_is_missing() -> None:
    app = {
        "operation": {"sync": {}},
        "status": {
            "sync": {"status": "OutOfSync"},
            "health": {"status": "Progressing"},
            "operationState": {"phase": "Succeeded"},
        },
    }
    assert WaitFor().chosen() == WaitFor(sync=True, health=True, operation=True)
    assert unmet_conditions(app, WaitFor().chosen()) == [
        "sync Synced (now OutOfSync)",
        "health Healthy (now Progressing)",
        "no operation running (now Succeeded)",
    ]
    assert unmet_conditions({}, WaitFor(health=True)) == ["health Healthy (now Unknown)"]
    done = {"status": {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}}}
    assert unmet_conditions(done, WaitFor().chosen()) == []


AUTOMATED = {"syncPolicy": {"automated": {"prune": True}}}


@pytest.mark.parametrize(
    ("spec", "flags", "patch"),
    [
        ({}, {"policy": "automated"}, {"automated": {}}),
        ({}, {"policy": "automated", "self_heal": True}, {"automated": {"selfHeal": True}}),
        (AUTOMATED, {"self_heal": False}, {"automated": {"selfHeal": False}}),
        (AUTOMATED, {"policy": "none"}, {"automated": None}),
    ],
    ids=["turn-on", "turn-on-with-self-heal", "change-one-flag", "turn-off"],
)
def test_set_patches_only_the_automated_block(
    spec: dict[str, Any], flags: dict[str, Any], patch: dict[str, Any]
) -> None:
    full = {"policy": None, "self_heal": None, "prune": None, "allow_empty": None, **flags}
    assert sync_policy_patch(spec, **full) == {"spec": {"syncPolicy": patch}}


@pytest.mark.parametrize(
    ("spec", "flags", "message"),
    [
        ({}, {}, "nothing to set"),
        ({}, {"prune": True}, "automated sync is off"),
        (AUTOMATED, {"policy": "none", "prune": True}, "need automated sync"),
    ],
)
def test_set_refuses_contradictions(
    spec: dict[str, Any], flags: dict[str, Any], message: str
) -> None:
    full = {"policy": None, "self_heal": None, "prune": None, "allow_empty": None, **flags}
    with pytest.raises(ConfigError, match=message):
        sync_policy_patch(spec, **full)


def test_delete_adds_or_removes_the_resources_finalizer() -> None:
    meta = {"resourceVersion": "7", "finalizers": ["example.com/keep"]}
    assert finalizers_patch(meta, cascade=True) == {
        "metadata": {
            "finalizers": ["example.com/keep", "gitopsd.io/resources-finalizer"],
            "resourceVersion": "7",
        }
    }
    assert finalizers_patch(meta, cascade=False) is None
    argo = {"resourceVersion": "8", "finalizers": ["resources-finalizer.argocd.argoproj.io"]}
    assert finalizers_patch(argo, cascade=True) is None
    background = {
        "resourceVersion": "9",
        "finalizers": ["resources-finalizer.gitopsd.io/background"],
    }
    assert finalizers_patch(background, cascade=False) == {
        "metadata": {"finalizers": [], "resourceVersion": "9"}
    }
