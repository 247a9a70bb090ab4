"""Automated sync decisions follow Argo CD's rules (pure, no cluster)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gitopsd.spec import parse_application_spec
from gitopsd.sync.decide import SelfHealBackoff, decide_auto_sync

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
SOURCE = {"repoURL": "https://git.example.com/r.git", "path": "apps/web", "targetRevision": "main"}


def spec(automated: dict[str, Any] | None) -> Any:
    policy = {"automated": automated} if automated is not None else {}
    return parse_application_spec(
        {
            "source": SOURCE,
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
            "syncPolicy": policy,
        }
    )


def last(revision: str, phase: str = "Succeeded") -> dict[str, Any]:
    return {"phase": phase, "syncResult": {"revision": revision, "source": SOURCE}}


def decide(automated: dict[str, Any] | None, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "out_of_sync": True,
        "target_revisions": ["b" * 40],
        "target_sources": [SOURCE],
        "last_operation": last("a" * 40),
        "desired_count": 3,
        "self_heal_attempts": 0,
        "last_self_heal_at": None,
        "now": NOW,
        "backoff": SelfHealBackoff(),
    }
    arguments.update(overrides)
    return decide_auto_sync(spec(automated), **arguments)


def test_no_automated_policy_never_syncs() -> None:
    assert not decide(None).start


def test_in_sync_does_not_sync() -> None:
    assert not decide({}, out_of_sync=False).start


def test_a_new_revision_is_synced_once() -> None:
    decision = decide({})
    assert decision.start and not decision.self_heal


def test_the_same_revision_is_not_synced_again_without_self_heal() -> None:
    decision = decide({}, last_operation=last("b" * 40))
    assert not decision.start
    assert "selfHeal" in decision.reason


def test_a_failed_revision_is_not_retried_without_self_heal() -> None:
    assert not decide({}, last_operation=last("b" * 40, "Failed")).start


def test_self_heal_syncs_the_same_revision_again() -> None:
    decision = decide({"selfHeal": True}, last_operation=last("b" * 40))
    assert decision.start and decision.self_heal


def test_a_source_change_at_the_same_revision_counts_as_new() -> None:
    moved = {**SOURCE, "path": "apps/other"}
    assert decide({}, last_operation=last("b" * 40), target_sources=[moved]).start


def test_an_empty_desired_set_needs_allow_empty() -> None:
    assert not decide({"prune": True}, desired_count=0).start
    assert decide({"prune": True, "allowEmpty": True}, desired_count=0).start


@pytest.mark.parametrize(
    ("attempts", "seconds_since", "expected"),
    [(1, 1.0, False), (1, 2.5, True), (2, 5.0, False), (2, 6.5, True), (9, 299.0, False)],
)
def test_self_heal_backs_off_2s_times_3_capped(
    attempts: int, seconds_since: float, expected: bool
) -> None:
    decision = decide(
        {"selfHeal": True},
        last_operation=last("b" * 40),
        self_heal_attempts=attempts,
        last_self_heal_at=NOW - dt.timedelta(seconds=seconds_since),
    )
    assert decision.start is expected


def test_backoff_delays() -> None:
    backoff = SelfHealBackoff()
    assert [backoff.delay(n) for n in range(5)] == [0.0, 2.0, 6.0, 18.0, 54.0]
    assert backoff.delay(20) == 300.0


def test_a_new_revision_of_any_source_of_a_multi_source_app_is_synced() -> None:
    """Argo CD: a commit to the values repository (the second source) redeploys."""
    sources = [{"repoURL": "https://charts.example.com", "chart": "web"}, SOURCE]
    synced = {
        "phase": "Succeeded",
        "syncResult": {"revisions": ["1.2.3@sha256:" + "c" * 64, "a" * 40], "sources": sources},
    }
    unchanged = ["1.2.3@sha256:" + "c" * 64, "a" * 40]
    values_commit = ["1.2.3@sha256:" + "c" * 64, "b" * 40]
    common = {"target_sources": sources, "last_operation": synced}
    assert not decide({}, target_revisions=unchanged, **common).start
    decision = decide({}, target_revisions=values_commit, **common)
    assert decision.start and "1.2.3@sha256:cccccccccccc,bbbbbbb" in decision.reason
