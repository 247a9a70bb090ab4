"""The prune set: only our own objects that left the desired set, in reverse sync order.

Each scenario is ``testdata/prune/<scenario>.yaml``: the last ``inventory`` (tracking-id
style ``group/Kind:namespace/name``), the ``desired`` and ``live`` objects, the prune
``settings``, and ``expected``: what is pruned (``<id> <propagation>``, deletion order),
pruned last, kept as requiring a prune, and skipped for good. ``refused`` maps inventory
entries the AppProject does not permit to the violation. ``mode: app-deletion`` computes
what an Application's cascading deletion removes instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from gitopsd.desired import build_desired_set
from gitopsd.model.keys import ResourceKey
from gitopsd.model.sync_options import read_sync_options
from gitopsd.model.tracking import parse_tracking_id
from gitopsd.plan import PruneItem, PrunePlan, confirmed, deletion_set, may_prune, prune_set
from tests.unit.desired.discovery import RESOURCES
from tests.unit.desired.golden import load, scenario_names

TESTDATA = Path(__file__).parent / "testdata" / "prune"
APP_NAMESPACE, APP_NAME = "gitopsd", "shop"

SCENARIOS = [
    "pruned-only-when-gone-from-desired-and-ours",
    "foreign-or-copied-tracking-skipped",
    "prune-false-and-delete-false-kept",
    "prune-confirm-waits-for-a-newer-approval",
    "prune-confirm-approved",
    "prune-last-app-and-object-level",
    "deletion-order-is-reverse-sync-order",
    "propagation-policy-parsed",
    "pruning-disabled-reports-requires-pruning",
    "unreadable-sync-options-skipped",
    "app-deletion-keeps-delete-false",
    "outside-the-project-never-pruned",
    "app-deletion-keeps-what-the-project-refuses",
]


def _key(tracking: str) -> ResourceKey:
    return parse_tracking_id(f"{APP_NAMESPACE}_{APP_NAME}:{tracking}").key


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _items(items: tuple[PruneItem, ...]) -> list[str]:
    return [f"{item.key} {item.propagation.value}" for item in items]


def _dump(plan: PrunePlan) -> dict[str, Any]:
    return {
        "prune": _items(plan.prune),
        "pruneLast": _items(plan.prune_last),
        "requiresPruning": [kept.reason for kept in plan.requires_pruning],
        "skipped": [kept.reason for kept in plan.skipped],
        "confirmationPending": plan.confirmation_pending,
    }


def _plan(case: dict[str, Any]) -> PrunePlan:
    inventory = [_key(entry) for entry in case["inventory"]]
    live = {ResourceKey.of(obj): obj for obj in case.get("live") or []}
    settings = case.get("settings") or {}
    app_options, problems = read_sync_options(settings.get("appOptions") or [])
    assert not problems
    refused = {_key(entry): reason for entry, reason in (case.get("refused") or {}).items()}
    if case.get("mode") == "app-deletion":
        return deletion_set(
            inventory,
            live,
            app_namespace=APP_NAMESPACE,
            app_name=APP_NAME,
            app_options=app_options,
            refused=refused,
        )
    desired = build_desired_set(
        case.get("desired") or [],
        app_namespace=APP_NAMESPACE,
        app_name=APP_NAME,
        destination_namespace="web",
        resources=RESOURCES,
    )
    return prune_set(
        inventory,
        desired,
        live,
        app_namespace=APP_NAMESPACE,
        app_name=APP_NAME,
        app_options=app_options,
        enabled=settings.get("enabled", True),
        confirmed_at=_time(settings.get("confirmedAt")),
        required_since=_time(settings.get("requiredSince")),
        now=_time(settings.get("now")),
        refused=refused,
    )


@pytest.mark.parametrize("name", SCENARIOS)
def test_prune_set(name: str) -> None:
    case = load(TESTDATA / f"{name}.yaml")
    assert _dump(_plan(case)) == case["expected"]


def test_every_prune_scenario_is_listed() -> None:
    assert scenario_names(TESTDATA) == sorted(SCENARIOS)


@pytest.mark.parametrize(
    ("desired_count", "allow_empty", "expected"),
    [(3, False, True), (0, False, False), (0, True, True)],
)
def test_an_empty_desired_set_prunes_only_when_allowed(
    desired_count: int, allow_empty: bool, expected: bool
) -> None:
    assert may_prune(desired_count, allow_empty) is expected


T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("confirmed_at", "required_since", "now", "expected"),
    [
        (None, T0, T0, False),
        (T0 - dt.timedelta(minutes=1), T0, T0, False),  # an old approval, for an older prune
        (T0, T0, T0, False),  # not later than the need
        (T0 + dt.timedelta(seconds=1), T0, T0, True),
        (T0 + dt.timedelta(seconds=1), None, T0, True),  # the need is new: measured from now
        (T0, None, T0 + dt.timedelta(seconds=1), False),
        (T0, None, None, False),  # no reference time at all: never approve
    ],
)
def test_prune_confirmation_must_be_newer_than_the_need(
    confirmed_at: dt.datetime | None,
    required_since: dt.datetime | None,
    now: dt.datetime | None,
    expected: bool,
) -> None:
    assert confirmed(confirmed_at, required_since, now) is expected
