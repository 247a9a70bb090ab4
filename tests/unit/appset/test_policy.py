"""Which applicationsSync policy applies, and what an update keeps from the live object."""

from __future__ import annotations

from typing import Any

import pytest

from gitopsd.appset import ApplicationsSync, PolicyOptions, effective_policy, parse_appset
from gitopsd.appset.policy import updated_body
from gitopsd.errors import SpecError


def _appset(policy: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"generators": [], "template": {}}
    if policy:
        spec["syncPolicy"] = {"applicationsSync": policy}
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "a", "namespace": "ns"},
        "spec": spec,
    }


@pytest.mark.parametrize(
    ("appset_policy", "controller_policy", "allow_override", "expected"),
    [
        (None, None, None, "sync"),
        ("create-only", None, None, "create-only"),
        # a controller-wide policy locks ApplicationSets out unless overriding is allowed
        ("sync", "create-only", None, "create-only"),
        ("sync", "create-only", True, "sync"),
        (None, "create-update", True, "create-update"),
        ("create-delete", None, False, "sync"),
    ],
)
def test_effective_policy_follows_the_controller_flags(
    appset_policy: str | None,
    controller_policy: str | None,
    allow_override: bool | None,
    expected: str,
) -> None:
    options = PolicyOptions(
        controller_policy=ApplicationsSync(controller_policy) if controller_policy else None,
        allow_policy_override=allow_override,
    )
    assert effective_policy(parse_appset(_appset(appset_policy)), options) == expected


def test_an_unknown_policy_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match=r"^ApplicationSet/ns/a: syncPolicy.applicationsSync"):
        parse_appset(_appset("replace-all"))


def test_an_update_replaces_metadata_but_keeps_preserved_keys_and_foreign_owners() -> None:
    generated = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": "web",
            "namespace": "ns",
            "labels": {"app": "web"},
            "ownerReferences": [{"kind": "ApplicationSet", "uid": "u1", "controller": True}],
        },
        "spec": {"project": "new"},
    }
    live = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": "web",
            "namespace": "ns",
            "resourceVersion": "7",
            "labels": {"app": "old", "keep": "me", "drop": "me"},
            "annotations": {"argocd.argoproj.io/refresh": "normal", "note": "x"},
            "finalizers": ["resources-finalizer.gitopsd.io"],
            "ownerReferences": [{"kind": "Team", "uid": "t1"}],
        },
        "spec": {"project": "old"},
        "status": {"sync": {"status": "Synced"}},
    }
    body = updated_body(generated, live, keep_labels=["keep"])
    assert body["spec"] == {"project": "new"}
    assert body["metadata"]["labels"] == {"app": "web", "keep": "me"}
    assert body["metadata"]["annotations"] == {"argocd.argoproj.io/refresh": "normal"}
    assert "finalizers" not in body["metadata"]
    assert body["metadata"]["resourceVersion"] == "7"
    assert body["metadata"]["ownerReferences"] == [
        {"kind": "Team", "uid": "t1"},
        {"kind": "ApplicationSet", "uid": "u1", "controller": True},
    ]
    assert body["status"] == live["status"]
    assert live["metadata"]["labels"]["app"] == "old", "the live object is not modified"
