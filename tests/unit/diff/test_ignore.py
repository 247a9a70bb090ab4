"""ignoreDifferences: matching, the three ways to name fields, and RespectIgnoreDifferences."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import yaml

from gitopsd.diff import apply_ignore_rules, respect_ignored
from gitopsd.diff.ignore import rule_matches
from gitopsd.errors import SpecError
from gitopsd.model.keys import ResourceKey
from gitopsd.spec import IgnoreDifference
from tests.unit.diff.scenarios import TESTDATA, load, scenario_names

KEY = ResourceKey("apps", "Deployment", "web", "api")
K_API = 'k:{"name":"api"}'
K_SHIP = 'k:{"name":"log-shipper"}'


def _deployment(replicas: int = 3, shipper_image: str = "shipper:2.0") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "api",
            "namespace": "web",
            "annotations": {"team": "shop", "deployment.kubernetes.io/revision": "3"},
        },
        "spec": {
            "replicas": replicas,
            "template": {
                "spec": {
                    "containers": [
                        {"name": "api", "image": "api:1"},
                        {"name": "log-shipper", "image": shipper_image},
                    ]
                }
            },
        },
    }


def _with_managers(obj: dict[str, Any], *entries: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    obj["metadata"]["managedFields"] = [
        {"manager": m, "operation": "Update", "fieldsType": "FieldsV1", "fieldsV1": tree}
        for m, tree in entries
    ]
    return obj


@pytest.mark.parametrize(
    ("rule", "applies"),
    [
        (IgnoreDifference(group="apps", kind="Deployment"), True),
        (IgnoreDifference(group="", kind="Deployment"), False),
        (IgnoreDifference(group="apps", kind="StatefulSet"), False),
        (IgnoreDifference(group="*", kind="*"), True),
        (IgnoreDifference(group="apps", kind="Deployment", name="api", namespace="web"), True),
        (IgnoreDifference(group="apps", kind="Deployment", name="worker"), False),
        (IgnoreDifference(group="apps", kind="Deployment", namespace="prod"), False),
    ],
)
def test_rule_matching(rule: IgnoreDifference, applies: bool) -> None:
    assert rule_matches(rule, KEY) is applies


def test_json_pointers_remove_fields_and_missing_ones_are_fine() -> None:
    rule = IgnoreDifference(
        group="apps",
        kind="Deployment",
        json_pointers=("/spec/replicas", "/metadata/annotations/team", "/spec/nothing/here"),
    )
    result = apply_ignore_rules(KEY, _deployment(), [rule], None)
    assert "replicas" not in result["spec"]
    assert result["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "3"}


def test_a_rule_for_another_object_changes_nothing() -> None:
    rule = IgnoreDifference(group="apps", kind="Deployment", name="worker", json_pointers=("",))
    assert apply_ignore_rules(KEY, _deployment(), [rule], None) == _deployment()


def test_an_invalid_json_pointer_is_a_spec_error() -> None:
    rule = IgnoreDifference(group="apps", kind="Deployment", json_pointers=("spec/replicas",))
    with pytest.raises(SpecError, match=r"^Deployment/web/api: .*'spec/replicas'"):
        apply_ignore_rules(KEY, _deployment(), [rule], None)


def test_jq_expressions_select_list_items_by_content() -> None:
    rule = IgnoreDifference(
        group="apps",
        kind="Deployment",
        jq_path_expressions=(
            '.spec.template.spec.containers[] | select(.name == "log-shipper") | .image',
        ),
    )
    result = apply_ignore_rules(KEY, _deployment(), [rule], None)
    assert result["spec"]["template"]["spec"]["containers"] == [
        {"name": "api", "image": "api:1"},
        {"name": "log-shipper"},
    ]


def test_an_invalid_jq_expression_is_a_spec_error_naming_it() -> None:
    rule = IgnoreDifference(group="apps", kind="Deployment", jq_path_expressions=(".spec[[",))
    with pytest.raises(SpecError, match=r"^Deployment/web/api: .*'\.spec\[\['"):
        apply_ignore_rules(KEY, _deployment(), [rule], None)


def test_a_jq_expression_that_is_not_a_path_does_not_leak_the_value() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "web"}}
    secret["data"] = {"password": "c2VjcmV0LXZhbHVl"}
    rule = IgnoreDifference(kind="Secret", jq_path_expressions=(".data.password | @base64d",))
    key = ResourceKey("", "Secret", "web", "s")
    with pytest.raises(SpecError) as raised:
        apply_ignore_rules(key, secret, [rule], None)
    assert "c2VjcmV0LXZhbHVl" not in str(raised.value)
    assert "secret-value" not in str(raised.value)
    assert "is not a path expression" in str(raised.value)


def test_a_jq_expression_that_does_not_fit_the_object_changes_nothing() -> None:
    rule = IgnoreDifference(group="apps", kind="Deployment", jq_path_expressions=(".kind[0]",))
    assert apply_ignore_rules(KEY, _deployment(), [rule], None) == _deployment()


def test_managed_fields_managers_remove_what_they_own_in_live() -> None:
    live = _with_managers(
        _deployment(replicas=7),
        ("kube-controller-manager", {"f:spec": {"f:replicas": {}}}),
        (
            "kube-controller-manager",
            {"f:metadata": {"f:annotations": {".": {}, "f:deployment.kubernetes.io/revision": {}}}},
        ),
        (
            "policy-webhook",
            {
                "f:spec": {
                    "f:template": {
                        "f:spec": {"f:containers": {K_SHIP: {".": {}, "f:image": {}, "f:name": {}}}}
                    }
                }
            },
        ),
    )
    rule = IgnoreDifference(
        group="apps",
        kind="Deployment",
        managed_fields_managers=("kube-controller-manager", "policy-webhook"),
    )
    result = apply_ignore_rules(KEY, _deployment(), [rule], live)
    assert "replicas" not in result["spec"]
    # The annotations map is owned through its fields: only those fields go.
    assert result["metadata"]["annotations"] == {"team": "shop"}
    # A list item owned as a whole goes as a whole.
    assert result["spec"]["template"]["spec"]["containers"] == [{"name": "api", "image": "api:1"}]


def test_respect_ignored_takes_live_values_for_ignored_fields() -> None:
    rules = [
        IgnoreDifference(
            group="apps",
            kind="Deployment",
            json_pointers=("/spec/replicas", "/metadata/annotations/team"),
            jq_path_expressions=(
                '.spec.template.spec.containers[] | select(.name == "log-shipper") | .image',
            ),
        )
    ]
    live = _deployment(replicas=7, shipper_image="shipper:1.9")
    del live["metadata"]["annotations"]["team"]
    result = respect_ignored(_deployment(), live, rules, KEY)
    assert result["spec"]["replicas"] == 7
    assert "team" not in result["metadata"]["annotations"]
    assert result["spec"]["template"]["spec"]["containers"][1]["image"] == "shipper:1.9"
    assert result["spec"]["template"]["spec"]["containers"][0]["image"] == "api:1"


def test_respect_ignored_grafts_fields_managers_own_into_desired() -> None:
    live = _with_managers(
        _deployment(replicas=7), ("kube-controller-manager", {"f:spec": {"f:replicas": {}}})
    )
    desired = _deployment()
    del desired["spec"]["replicas"]
    rule = IgnoreDifference(
        group="apps", kind="Deployment", managed_fields_managers=("kube-controller-manager",)
    )
    assert respect_ignored(desired, live, [rule], KEY)["spec"]["replicas"] == 7


def test_respect_ignored_without_live_keeps_desired() -> None:
    rule = IgnoreDifference(group="apps", kind="Deployment", json_pointers=("/spec/replicas",))
    assert respect_ignored(_deployment(), None, [rule], KEY) == _deployment()


def _with_ignore_rules() -> list[str]:
    return [name for name in scenario_names() if "ignoreDifferences" in (_options(name) or {})]


def _options(name: str) -> dict[str, Any] | None:
    path = TESTDATA / name / "options.yaml"
    return yaml.safe_load(path.read_text()) if path.exists() else None


@pytest.mark.parametrize("name", _with_ignore_rules())
def test_ignore_scenarios_are_drift_without_their_rules(name: str) -> None:
    scenario = load(name)
    assert not scenario.run().modified
    without = dataclasses.replace(
        scenario, options=dataclasses.replace(scenario.options, ignore=())
    )
    assert without.run().modified
