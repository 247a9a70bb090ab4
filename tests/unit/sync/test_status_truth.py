"""Pieces of status that must not say what did not happen: the error status names the
commit that failed (or none), the last known revision for a Git outage, the hooks an
operation recorded, drift reports for removed fields, names of hooks taken by others."""

from __future__ import annotations

from typing import Any

from gitopsd.diff import last_writer
from gitopsd.model.keys import ResourceKey
from gitopsd.status import Condition
from gitopsd.sync.operation import _name_taken
from gitopsd.sync.operation_state import last_known_revisions, recorded_hook_keys
from gitopsd.sync.reconcile.report import error_status

PREVIOUS = {
    "sync": {"status": "Synced", "revision": "a" * 40, "comparedTo": {"source": {"path": "x"}}},
    "health": {"status": "Healthy"},
    "resources": [{"kind": "ConfigMap", "name": "a"}],
}


def test_an_error_status_names_the_failing_commit_and_keeps_the_inventory() -> None:
    status, events = error_status(
        PREVIOUS,
        Condition("ComparisonError", "commit bbbbbbb: broken"),
        "2026-11-23T12:00:00Z",
        revisions=["b" * 40],
        compared_to={"source": {"path": "y"}},
    )
    assert status["sync"] == {
        "status": "Unknown",
        "revision": "b" * 40,
        "comparedTo": {"source": {"path": "y"}},
    }
    assert status["resources"] == PREVIOUS["resources"]
    assert [e.reason for e in events] == ["ComparisonError"]


def test_an_error_before_any_commit_was_resolved_names_none() -> None:
    status, _ = error_status(
        PREVIOUS, Condition("ComparisonError", "revision 'v2.0.0' not found"), "t"
    )
    assert "revision" not in status["sync"]


def test_the_last_known_revision_comes_from_status_then_operation_then_history() -> None:
    assert last_known_revisions(PREVIOUS) == ["a" * 40]
    from_operation = {"operationState": {"syncResult": {"revision": "c" * 40}}}
    assert last_known_revisions(from_operation) == ["c" * 40]
    from_history = {"history": [{"revision": "d" * 40}, {"revisions": ["e" * 40, "f" * 40]}]}
    assert last_known_revisions(from_history) == ["e" * 40, "f" * 40]
    assert last_known_revisions({}) == []


def test_the_hooks_an_operation_recorded() -> None:
    def result(name: str, hook: str | None) -> dict[str, Any]:
        entry: dict[str, Any] = {"group": "batch", "kind": "Job", "namespace": "w", "name": name}
        if hook:
            entry.update({"hookType": hook, "hookPhase": "Succeeded"})
        return entry

    state = {"syncResult": {"resources": [result("migrate", "PreSync"), result("app", None)]}}
    assert recorded_hook_keys(state) == [ResourceKey("batch", "Job", "w", "migrate")]
    assert recorded_hook_keys(None) == []


def managed(manager: str, time: str, operation: str = "Update", sub: str = "") -> dict[str, Any]:
    entry = {"manager": manager, "operation": operation, "time": time, "fieldsV1": {"f:a": {}}}
    if sub:
        entry["subresource"] = sub
    return entry


def test_the_last_writer_after_gitopsd_is_named_and_status_writers_are_not() -> None:
    live = {
        "metadata": {
            "managedFields": [
                managed("gitopsd", "2026-11-23T12:00:00Z", "Apply"),
                managed("gitopsd-cli", "2026-11-23T12:01:00Z"),
                managed("python", "2026-11-23T12:02:00Z", sub="status"),
            ]
        }
    }
    writer = last_writer(live)
    assert writer is not None and (writer.manager, writer.operation) == ("gitopsd-cli", "Update")
    live["metadata"]["managedFields"][1]["time"] = "2026-11-23T11:00:00Z"  # before gitopsd
    assert last_writer(live) is None


def test_a_hook_name_taken_by_another_object_says_how_to_resolve_it() -> None:
    key = ResourceKey("batch", "Job", "w", "migrate")
    other = {
        "metadata": {"annotations": {"gitopsd.io/tracking-id": "gitopsd_other:batch/Job:w/migrate"}}
    }
    assert _name_taken(key, other) == (
        "Job/w/migrate: the name is taken by an object this application does not own "
        "(it belongs to application gitopsd/other); delete that object or give the hook "
        "another name"
    )
    assert "it is not managed by gitopsd" in _name_taken(key, {"metadata": {}})
