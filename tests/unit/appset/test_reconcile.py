"""Reconcile never deletes on a failed generation, wherever the failure comes from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gitopsd.appset import ActionVerb, ClusterInfo, LocalRepoFiles, reconcile
from gitopsd.errors import ClusterUnreachable


def _clusters_appset() -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "addons", "namespace": "gitopsd"},
        "spec": {
            "generators": [{"clusters": {"selector": {"matchLabels": {"env": "prod"}}}}],
            "template": {
                "metadata": {"name": "addons-{{nameNormalized}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": "https://git.example.com/a.git", "path": "addons"},
                    "destination": {"server": "{{server}}", "namespace": "addons"},
                },
            },
        },
    }


def _existing(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": "gitopsd"},
        "spec": {},
    }


def test_an_unreachable_cluster_list_deletes_nothing_and_reports_why() -> None:
    def clusters() -> Sequence[ClusterInfo]:
        raise ClusterUnreachable("https://10.0.0.1:6443: connection refused")

    plan = reconcile(
        _clusters_appset(),
        [_existing("addons-eu"), _existing("addons-us")],
        repos=LocalRepoFiles(),
        clusters=clusters,
    )
    assert plan.actions == ()
    assert not plan.ok
    assert plan.error == (
        "ApplicationSet/gitopsd/addons: https://10.0.0.1:6443: connection refused"
    )
    by_type = {c.type: c.to_dict() for c in plan.conditions}
    assert by_type["ErrorOccurred"]["status"] == "True"
    assert by_type["ParametersGenerated"]["status"] == "False"
    assert by_type["ParametersGenerated"]["message"] == plan.error


def test_a_cluster_that_lost_its_label_is_deleted_after_a_successful_listing() -> None:
    clusters = [
        ClusterInfo("eu", "https://eu.example.com", {"env": "prod"}),
        ClusterInfo("us", "https://us.example.com", {"env": "retired"}),
    ]
    plan = reconcile(
        _clusters_appset(),
        [_existing("addons-eu"), _existing("addons-us")],
        repos=LocalRepoFiles(),
        clusters=clusters,
    )
    assert [str(a) for a in plan.of(ActionVerb.DELETE)] == ["Application/gitopsd/addons-us delete"]
    assert [a.name for a in plan.of(ActionVerb.UPDATE)] == ["addons-eu"]


def test_clusters_are_listed_only_when_a_clusters_generator_runs() -> None:
    appset = _clusters_appset()
    appset["spec"]["generators"] = [
        {"list": {"elements": [{"nameNormalized": "x", "server": "s"}]}}
    ]
    calls: list[int] = []

    def clusters() -> Sequence[ClusterInfo]:
        calls.append(1)
        return []

    plan = reconcile(appset, [], repos=LocalRepoFiles(), clusters=clusters)
    assert [str(a) for a in plan.actions] == ["Application/gitopsd/addons-x create"]
    assert calls == []


def test_an_invalid_manifest_gives_a_plan_without_actions() -> None:
    appset = _clusters_appset()
    del appset["spec"]["generators"]
    plan = reconcile(appset, [_existing("addons-eu")], repos=LocalRepoFiles())
    assert plan.actions == ()
    assert plan.policy is None
    assert plan.error == (
        "ApplicationSet/gitopsd/addons: spec.generators must be a list of generators"
    )
