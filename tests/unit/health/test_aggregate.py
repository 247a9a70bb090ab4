"""Application health is the worst of its resources; no opinion has no say."""

from __future__ import annotations

from gitopsd.health import Health, aggregate
from gitopsd.model.vocab import HealthStatus


def test_worst_wins_with_its_message() -> None:
    healths = [
        Health(HealthStatus.HEALTHY),
        Health(HealthStatus.DEGRADED, 'Deployment "api" exceeded its progress deadline'),
        Health(HealthStatus.PROGRESSING, "Waiting for rollout to finish"),
        Health(HealthStatus.UNKNOWN, "script failed"),
    ]
    assert aggregate(healths) == healths[1]


def test_missing_is_worse_than_unknown_and_progressing() -> None:
    healths = [
        Health(HealthStatus.PROGRESSING, "rolling"),
        Health(HealthStatus.MISSING, "gone"),
        Health(HealthStatus.UNKNOWN, "?"),
    ]
    assert aggregate(healths) == Health(HealthStatus.MISSING, "gone")


def test_no_opinion_is_skipped() -> None:
    assert aggregate([None, Health(HealthStatus.SUSPENDED, "paused"), None]) == Health(
        HealthStatus.SUSPENDED, "paused"
    )


def test_nothing_to_judge_is_healthy() -> None:
    assert aggregate([]) == Health(HealthStatus.HEALTHY)
    assert aggregate([None, None]) == Health(HealthStatus.HEALTHY)


def test_first_of_equally_bad_results_wins() -> None:
    healths = (Health(HealthStatus.DEGRADED, f"pod {index}") for index in range(3))
    assert aggregate(healths) == Health(HealthStatus.DEGRADED, "pod 0")
