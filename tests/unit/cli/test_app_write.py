"""CLI writes: guarded by the resourceVersion read, written as gitopsd-cli, rebuilt from a
fresh read and retried when another writer got in first."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from gitopsd.cli.app import set_change_cause
from gitopsd.cli.app_context import application_key
from gitopsd.cli.app_write import CLI_FIELD_MANAGER, write_application
from gitopsd.errors import ConfigError, Conflict
from gitopsd.model.operations import operation_pending

KEY = application_key("gitopsd", "web")


class Cluster:
    """Each GET returns the next version; the first ``conflicts`` patches are refused."""

    def __init__(self, versions: list[dict[str, Any]], conflicts: int) -> None:
        self.versions = versions
        self.conflicts = conflicts
        self.patches: list[tuple[dict[str, Any], str]] = []

    def get(self, key: Any) -> dict[str, Any]:
        return self.versions.pop(0) if len(self.versions) > 1 else self.versions[0]

    def merge_patch(self, key: Any, patch: dict[str, Any], *, field_manager: str) -> Any:
        self.patches.append((patch, field_manager))
        if self.conflicts:
            self.conflicts -= 1
            raise Conflict("the object has been modified", status=409)
        return {"written": patch}


def version(rv: str, **extra: Any) -> dict[str, Any]:
    return {"metadata": {"name": "web", "namespace": "gitopsd", "resourceVersion": rv}, **extra}


def test_a_conflict_is_read_again_and_retried_as_gitopsd_cli() -> None:
    cluster = Cluster([version("1"), version("2")], conflicts=1)
    _, written = write_application(cluster, KEY, lambda app: {"spec": {"a": 1}})  # type: ignore[arg-type]
    assert written == {"written": {"spec": {"a": 1}, "metadata": {"resourceVersion": "2"}}}
    assert [rv["metadata"]["resourceVersion"] for rv, _ in cluster.patches] == ["1", "2"]
    assert {manager for _, manager in cluster.patches} == {CLI_FIELD_MANAGER}


def test_a_refusal_that_a_concurrent_change_made_true_is_honoured() -> None:
    requested = version("2", operation={"sync": {}})
    cluster = Cluster([version("1"), requested], conflicts=1)

    def patch_for(app: dict[str, Any]) -> dict[str, Any]:
        if operation_pending(app):
            raise ConfigError("another operation is already requested")
        return {"operation": {"sync": {}}}

    with pytest.raises(ConfigError):
        write_application(cluster, KEY, patch_for)  # type: ignore[arg-type]
    assert len(cluster.patches) == 1


def test_conflicts_every_time_give_up_with_the_conflict() -> None:
    cluster = Cluster([version("1")], conflicts=10)
    with pytest.raises(Conflict):
        write_application(cluster, KEY, lambda app: {"spec": {}}, attempts=3)  # type: ignore[arg-type]
    assert len(cluster.patches) == 3


def test_nothing_to_write_writes_nothing() -> None:
    cluster = Cluster([version("1")], conflicts=0)
    assert write_application(cluster, KEY, lambda app: None)[1] is None  # type: ignore[arg-type]
    assert cluster.patches == []


def test_an_operation_is_pending_while_requested_or_running() -> None:
    assert operation_pending({"operation": {"sync": {}}})
    assert operation_pending({"status": {"operationState": {"phase": "Running"}}})
    assert not operation_pending({"status": {"operationState": {"phase": "Failed"}}})


def test_app_set_records_the_command_as_change_cause() -> None:
    args = argparse.Namespace(
        app="web", sync_policy="automated", self_heal=True, prune=False, allow_empty=None
    )
    assert set_change_cause(args) == (
        "gitopsd app set web --sync-policy automated --self-heal --no-prune"
    )
