"""The ``operation`` that ``app sync`` and ``app rollback`` write, from real argument
parsing to the merge-patch body, and when rollback is refused. Golden YAML per scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.cli.app_sync import describe, sync_request
from gitopsd.cli.main import build_parser
from gitopsd.errors import ConfigError
from gitopsd.model.operations import (
    build_operation,
    finished_phase,
    rollback_entry,
    rollback_refusal,
    rollback_request,
)
from gitopsd.model.vocab import OperationPhase

TESTDATA = Path(__file__).parent / "testdata"
OPERATIONS = sorted((TESTDATA / "operations").glob("*.yaml"))
ROLLBACKS = sorted((TESTDATA / "rollback").glob("*.yaml"))


def case(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


@pytest.mark.parametrize("path", OPERATIONS, ids=[p.stem for p in OPERATIONS])
def test_sync_flags_become_the_operation_the_reconciler_reads(path: Path) -> None:
    scenario = case(path)
    args = build_parser("app").parse_args(scenario["argv"])
    request = sync_request(args, scenario["status_resources"])
    operation = build_operation(request, username="alice", request_id="request-1")
    assert operation == scenario["operation"]


@pytest.mark.parametrize("path", ROLLBACKS, ids=[p.stem for p in ROLLBACKS])
def test_rollback_targets_a_history_entry_unless_refused(path: Path) -> None:
    scenario = case(path)
    args = build_parser("app").parse_args(scenario["argv"])
    app = scenario["application"]
    assert rollback_refusal(app) == scenario["refusal"]
    if scenario["refusal"] is not None:
        return
    if scenario.get("error"):
        with pytest.raises(ConfigError) as raised:
            rollback_entry(app, args.id)
        assert str(raised.value) == scenario["error"]
        return
    request = rollback_request(rollback_entry(app, args.id), prune=args.prune)
    operation = build_operation(request, username="alice", request_id="request-1")
    assert operation == scenario["operation"]


def test_a_multi_source_rollback_names_every_source_revision() -> None:
    entry = {"id": 2, "revisions": ["a" * 40, "1.2.3@sha256:" + "b" * 64]}
    operation = build_operation(
        rollback_request(entry, prune=False), username="alice", request_id="r"
    )
    assert operation["sync"] == {"prune": False, "revisions": entry["revisions"]}


def test_describe_names_target_options_and_user() -> None:
    args = build_parser("app").parse_args(
        ["app", "sync", "web", "--prune", "--resource", "apps:Deployment:web/api"]
    )
    request = sync_request(args, [])
    assert describe(request, "alice") == (
        "sync to the target revision (prune, 1 resource) requested by alice"
    )


def app_with(operation: dict[str, Any] | None, state: dict[str, Any] | None) -> dict[str, Any]:
    app: dict[str, Any] = {"metadata": {"name": "web", "namespace": "gitopsd"}, "status": {}}
    if operation is not None:
        app["operation"] = operation
    if state is not None:
        app["status"]["operationState"] = state
    return app


OURS = {"sync": {"prune": False}, "info": [{"name": "gitopsd.io/request-id", "value": "r1"}]}
EARLIER = {"sync": {"prune": False}, "info": [{"name": "gitopsd.io/request-id", "value": "r0"}]}


@pytest.mark.parametrize(
    ("operation", "state", "expected"),
    [
        # Requested, not yet picked up; an earlier identical sync's result is not ours.
        (OURS, {"operation": EARLIER, "phase": "Succeeded"}, None),
        # Picked up and finished, but the controller has not cleared the request yet.
        (OURS, {"operation": OURS, "phase": "Succeeded"}, None),
        (None, {"operation": OURS, "phase": "Running"}, None),
        (None, {"operation": OURS, "phase": "Succeeded"}, OperationPhase.SUCCEEDED),
        (None, {"operation": OURS, "phase": "Failed"}, OperationPhase.FAILED),
        (None, {"operation": OURS, "phase": "Error"}, OperationPhase.ERROR),
        (None, {"operation": EARLIER, "phase": "Failed"}, None),
        (None, None, None),
    ],
    ids=[
        "requested-earlier-result-is-not-ours",
        "finished-but-not-yet-cleared",
        "running",
        "succeeded",
        "failed",
        "error",
        "someone-elses-operation",
        "no-state-yet",
    ],
)
def test_finished_phase_only_reports_this_request_once_consumed(
    operation: dict[str, Any] | None,
    state: dict[str, Any] | None,
    expected: OperationPhase | None,
) -> None:
    assert finished_phase(app_with(operation, state), "r1") == expected
