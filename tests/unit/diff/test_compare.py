"""diff_object and its parts: field changes, one-sided diffs, options and the text output."""

from __future__ import annotations

from typing import Any

from gitopsd.diff import ChangeKind, DiffOptions, FieldChange, diff_object, format_diffs
from gitopsd.diff.compare import field_changes, is_ignored_extraneous, overlay
from gitopsd.diff.paths import dotted
from gitopsd.model.keys import ResourceKey

KEY = ResourceKey("", "ConfigMap", "web", "settings")


def _configmap(data: dict[str, Any], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "settings", "namespace": "web"}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def test_field_changes_say_how_each_field_differs() -> None:
    live = {"a": 1, "b": {"c": True}, "gone": "x", "list": [1, 2, 3]}
    predicted = {"a": 2, "b": {"c": 1}, "new": "y", "list": [1, 2]}
    assert field_changes(live, predicted) == (
        FieldChange("/a", ChangeKind.CHANGED),
        FieldChange("/b/c", ChangeKind.CHANGED),  # true is not 1 in Kubernetes
        FieldChange("/gone", ChangeKind.REMOVED),
        FieldChange("/list/2", ChangeKind.REMOVED),
        FieldChange("/new", ChangeKind.ADDED),
    )


def test_named_lists_are_compared_by_name_with_live_indices() -> None:
    live = {"c": [{"name": "shipper", "image": "s:1"}, {"name": "api", "image": "a:1"}]}
    predicted = {"c": [{"name": "api", "image": "a:2"}]}
    assert field_changes(live, predicted) == (
        FieldChange("/c/0", ChangeKind.REMOVED),
        FieldChange("/c/1/image", ChangeKind.CHANGED),
    )


def test_integers_and_floats_of_equal_value_are_equal() -> None:
    assert field_changes({"a": 1}, {"a": 1.0}) == ()


def test_overlay_keeps_what_desired_does_not_mention() -> None:
    live = {
        "replicas": 3,
        "containers": [
            {"name": "api", "image": "a:1", "imagePullPolicy": "IfNotPresent"},
            {"name": "shipper", "image": "s:1"},
        ],
        "ports": [{"port": 80, "protocol": "TCP"}],
        "args": ["--a", "--b"],
    }
    desired = {"containers": [{"name": "api", "image": "a:2"}], "ports": [{"port": 80}]}
    desired["args"] = ["--a"]
    assert overlay(live, desired) == {
        "replicas": 3,
        "containers": [
            {"name": "api", "image": "a:2", "imagePullPolicy": "IfNotPresent"},
            {"name": "shipper", "image": "s:1"},
        ],
        "ports": [{"port": 80, "protocol": "TCP"}],
        "args": ["--a"],
    }


def test_nothing_on_either_side_is_no_diff() -> None:
    diff = diff_object(KEY, None, None)
    assert not diff.modified
    assert diff.text() == ""


def test_ignore_extraneous_honours_both_prefixes_and_gitopsd_wins() -> None:
    argocd = "argocd.argoproj.io/compare-options"
    ours = "gitopsd.io/compare-options"
    assert is_ignored_extraneous(_configmap({}, {argocd: "IgnoreExtraneous"}))
    assert is_ignored_extraneous(_configmap({}, {ours: "ServerSideDiff=true,IgnoreExtraneous"}))
    assert not is_ignored_extraneous(
        _configmap({}, {argocd: "IgnoreExtraneous", ours: "IgnoreExtraneous=false"})
    )
    assert not is_ignored_extraneous(_configmap({}))


def test_ignore_extraneous_can_be_switched_off() -> None:
    live = _configmap({}, {"argocd.argoproj.io/compare-options": "IgnoreExtraneous"})
    assert not diff_object(KEY, None, live).modified
    assert diff_object(KEY, None, live, DiffOptions(ignore_extraneous_allowed=False)).modified


def test_quantities_are_compared_by_spelling_when_asked() -> None:
    live = {"kind": "Pod", "spec": {"resources": {"limits": {"cpu": "1"}}}}
    desired = {"kind": "Pod", "spec": {"resources": {"limits": {"cpu": "1000m"}}}}
    assert not diff_object(KEY, desired, live).modified
    diff = diff_object(KEY, desired, live, DiffOptions(normalize_quantities=False))
    assert diff.changed_paths == ("/spec/resources/limits/cpu",)


def test_format_diffs_lists_modified_objects_in_order_with_who_drifted() -> None:
    other = ResourceKey("", "ConfigMap", "web", "another")
    live = _configmap({"LOG_LEVEL": "debug"})
    live["metadata"]["managedFields"] = [
        {
            "manager": "kubectl-edit",
            "operation": "Update",
            "time": "2026-11-23T10:42:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:LOG_LEVEL": {}}},
        }
    ]
    modified = diff_object(KEY, _configmap({"LOG_LEVEL": "info"}), live)
    unchanged = diff_object(KEY, _configmap({}), _configmap({}))
    missing = diff_object(other, _configmap({"a": "b"}), None)
    assert format_diffs([modified, unchanged, missing]) == (
        "ConfigMap/web/another: missing from the cluster\n"
        + missing.text()
        + "\n"
        + "ConfigMap/web/settings: 1 field differs\n"
        + "  who drifted: kubectl-edit (Update) changed data.LOG_LEVEL at 2026-11-23T10:42:00Z\n"
        + modified.text()
    )
    assert "-  LOG_LEVEL: debug\n+  LOG_LEVEL: info\n" in modified.text()


def test_dotted_paths_read_like_field_paths() -> None:
    assert dotted("/spec/template/spec/containers/0/image") == (
        "spec.template.spec.containers[0].image"
    )
    assert dotted("/metadata/annotations/example.com~1team") == (
        'metadata.annotations["example.com/team"]'
    )
