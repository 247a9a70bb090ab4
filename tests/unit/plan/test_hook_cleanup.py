"""Hook delete policies: what goes before a hook is created, and after it finishes."""

from __future__ import annotations

import pytest

from gitopsd.desired import DesiredObject, build_desired_set
from gitopsd.plan import HookState, delete_after_completion, delete_before_creating
from tests.unit.desired.discovery import RESOURCES


def _hook(policy: str | None) -> DesiredObject:
    annotations = {"argocd.argoproj.io/hook": "PreSync"}
    if policy is not None:
        annotations["argocd.argoproj.io/hook-delete-policy"] = policy
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"}}
    job["metadata"]["annotations"] = annotations  # type: ignore[index]
    desired = build_desired_set(
        [job],
        app_namespace="gitopsd",
        app_name="shop",
        destination_namespace="web",
        resources=RESOURCES,
    )
    return desired.hooks[0]


@pytest.mark.parametrize(
    ("policy", "exists", "started_this_run", "expected"),
    [
        (None, True, False, True),  # BeforeHookCreation is the default
        ("BeforeHookCreation", True, False, True),
        ("BeforeHookCreation", False, False, False),  # nothing to delete
        ("BeforeHookCreation", True, True, False),  # never the run this sync waits on
        ("HookSucceeded", True, False, False),
    ],
)
def test_delete_before_creating(
    policy: str | None, exists: bool, started_this_run: bool, expected: bool
) -> None:
    hook = _hook(policy)
    assert (
        delete_before_creating(hook, exists=exists, started_this_run=started_this_run) is expected
    )


@pytest.mark.parametrize(
    ("policy", "phase", "expected"),
    [
        ("HookSucceeded", "Succeeded", True),
        ("HookSucceeded", "Failed", False),  # a failed hook stays for debugging
        ("HookFailed", "Failed", True),
        ("HookFailed", "Succeeded", False),
        ("hook-succeeded", "Succeeded", False),  # Helm spelling only under helm.sh/
        ("HookSucceeded,HookFailed", "Running", False),
        (None, "Succeeded", False),
    ],
)
def test_delete_after_completion(policy: str | None, phase: str, expected: bool) -> None:
    hook = _hook(policy)
    assert delete_after_completion(hook, HookState(hook.key, phase)) is expected
