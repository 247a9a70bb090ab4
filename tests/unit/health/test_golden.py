"""Built-in checks against golden cases.

Each ``testdata/<group>/<Kind>/<case>.yaml`` (``core`` for the core group) holds
``health`` (the expected ``status`` and ``message``; ``status: null`` means no opinion)
and ``object``, written from the owning project's documented status. Every kind with a
built-in check has cases, and, unless listed below, at least one Healthy, one Progressing
and one Degraded case.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.health import Health, HealthAssessor
from gitopsd.health.checks import BUILTIN_CHECKS, FAMILIES
from gitopsd.model.keys import GroupKind
from gitopsd.model.vocab import HealthStatus

TESTDATA = Path(__file__).parent / "testdata"
NOT_KINDS = {"lua", "cli"}
CASES = sorted(
    path.relative_to(TESTDATA).as_posix()
    for path in TESTDATA.glob("*/*/*.yaml")
    if path.parts[-3] not in NOT_KINDS
)
# Statuses some checks can never give, and why; every other kind needs all three.
H, P, D = "Healthy", "Progressing", "Degraded"
CANNOT_GIVE: dict[GroupKind, tuple[set[str], str]] = {
    GroupKind("", "Service"): ({D}, "a Service only waits for its load balancer"),
    GroupKind("", "Namespace"): ({D}, "a Namespace is active or terminating"),
    GroupKind("networking.k8s.io", "Ingress"): ({D}, "an Ingress waits for an address"),
    GroupKind("apiregistration.k8s.io", "APIService"): ({D}, "it may be starting"),
    GroupKind("apps", "StatefulSet"): ({D}, "as in Argo CD, a rollout only progresses"),
    GroupKind("apps", "DaemonSet"): ({D}, "as in Argo CD, a rollout only progresses"),
    GroupKind("batch", "CronJob"): ({P}, "runs are judged on their own Jobs"),
    GroupKind("snapshot.storage.k8s.io", "VolumeSnapshotContent"): (
        {P, D},
        "VolumeSnapshot's check, tested there",
    ),
    GroupKind("argoproj.io", "Application"): ({H, P, D}, "no built-in check, as in Argo CD"),
    GroupKind("argoproj.io", "CronWorkflow"): ({P}, "runs are judged on their Workflows"),
    GroupKind("capsule.clastix.io", "Tenant"): ({P, D}, "a Tenant is active or cordoned"),
    GroupKind("notification.toolkit.fluxcd.io", "Alert"): ({P, D}, "the Flux rule, tested"),
    GroupKind("notification.toolkit.fluxcd.io", "Provider"): ({P, D}, "the Flux rule, tested"),
    GroupKind("kafka.strimzi.io", "KafkaNodePool"): ({D}, "it reports node IDs only"),
    GroupKind("core.strimzi.io", "StrimziPodSet"): ({D}, "it reports pod counts only"),
}
# Legacy groups share their modern kind's check and cases.
LEGACY_GROUPS = {"extensions"}


@functools.cache
def _read(case: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load((TESTDATA / case).read_text(), Loader=yaml.CSafeLoader)
    return loaded


def load_case(case: str) -> dict[str, Any]:
    """A fresh copy of the case, so no test sees another's changes."""
    document = copy.deepcopy(_read(case))
    assert set(document) == {"health", "object"}, f"{case}: expected health and object"
    return document


def expected_health(case: dict[str, Any]) -> Health | None:
    entry = case["health"]
    if entry["status"] is None:
        return None
    return Health(HealthStatus(entry["status"]), entry["message"])


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str) -> None:
    document = load_case(case)
    obj = document["object"]
    group, kind, _ = case.split("/")
    assert GroupKind.of(obj) == GroupKind("" if group == "core" else group, kind)
    assert HealthAssessor().assess(obj) == expected_health(document)


def statuses_by_kind() -> dict[GroupKind, set[str | None]]:
    found: dict[GroupKind, set[str | None]] = {}
    for case in CASES:
        document = load_case(case)
        found.setdefault(GroupKind.of(document["object"]), set()).add(document["health"]["status"])
    return found


def test_every_builtin_kind_has_healthy_progressing_and_degraded_cases() -> None:
    found = statuses_by_kind()
    missing = {}
    for group_kind in BUILTIN_CHECKS:
        if group_kind.group in LEGACY_GROUPS:
            continue
        cannot, _why = CANNOT_GIVE.get(group_kind, (set(), ""))
        lacking = {H, P, D} - cannot - found.get(group_kind, set())
        if not found.get(group_kind):
            lacking.add("any case")
        if lacking:
            missing[str(group_kind)] = sorted(lacking)
    assert missing == {}


def test_every_group_family_has_cases() -> None:
    groups = {GroupKind.of(load_case(case)["object"]).group for case in CASES}
    uncovered = [f.suffix for f in FAMILIES if not any(f.covers(group) for group in groups)]
    assert uncovered == []


def test_exceptions_name_registered_kinds() -> None:
    assert set(CANNOT_GIVE) <= set(BUILTIN_CHECKS)


def test_objects_are_not_modified() -> None:
    for case in CASES[::7]:
        obj = load_case(case)["object"]
        before = yaml.safe_dump(obj)
        HealthAssessor().assess(obj)
        assert yaml.safe_dump(obj) == before, case


MALFORMED_STATUSES: list[Any] = [
    None,
    "garbage",
    [],
    {"conditions": "Ready"},
    {"conditions": [None, "x", {"type": None, "status": 1}]},
    {"conditions": [{"type": "Ready", "status": "False", "reason": ["x"], "message": {}}]},
    {"phase": ["Running"], "state": 3, "observedGeneration": "soon", "health": None},
    {"bindings": "x", "parents": [1], "byPod": [{"errors": "x"}], "ingress": ["x"]},
    {"pauseConditions": "x", "currentStepIndex": "2", "nodeIds": 3, "readyPods": "x"},
]


@pytest.mark.parametrize("status", MALFORMED_STATUSES)
def test_malformed_objects_never_crash_any_check(status: Any) -> None:
    kinds = list(BUILTIN_CHECKS) + [GroupKind(f"ec2{f.suffix}", "Instance") for f in FAMILIES]
    assessor = HealthAssessor()
    for group_kind in kinds:
        api_version = f"{group_kind.group}/v1" if group_kind.group else "v1"
        for spec in (None, "x", {"replicas": "three", "strategy": "x", "paused": "yes"}):
            obj = {
                "apiVersion": api_version,
                "kind": group_kind.kind,
                "metadata": {"name": "x", "generation": "2", "annotations": {"a": 1}},
                "spec": spec,
                "status": status,
            }
            health = assessor.assess(obj)
            assert health is None or isinstance(health.status, HealthStatus), group_kind
