"""Reading ``resource.customizations`` in both gitopsd-cm forms, and matching keys to kinds."""

from __future__ import annotations

import pytest

from gitopsd.errors import ConfigError
from gitopsd.health import customizations_from_configmap, parse_customizations
from gitopsd.health.customizations import ScriptTable
from gitopsd.model.keys import GroupKind

COMBINED = """
cert-manager.io/Certificate:
  health.lua: return {status = "Healthy"}
  ignoreDifferences: |
    jsonPointers:
    - /spec/duration
/Service:
  health.lua: return nil
apps/Deployment:
  actions: |
    discovery.lua: return {}
"""


def test_combined_value_keeps_only_health_scripts_and_normalizes_core_keys() -> None:
    assert parse_customizations(COMBINED) == {
        "cert-manager.io/Certificate": 'return {status = "Healthy"}',
        "Service": "return nil",
    }


def test_an_already_parsed_mapping_is_accepted() -> None:
    parsed = {"example.com/Widget": {"health.lua": "return nil"}}
    assert parse_customizations(parsed) == {"example.com/Widget": "return nil"}


@pytest.mark.parametrize("value", [None, "", "# nothing here\n"])
def test_empty_values_give_no_scripts(value: str | None) -> None:
    assert parse_customizations(value) == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("- a\n- b\n", "resource.customizations: expected a mapping of group/Kind to settings"),
        ("a: [b", "resource.customizations: invalid YAML"),
        ("example.com/Widget: script", "resource.customizations: example.com/Widget: expected"),
        ("example.com/Widget:\n  health.lua: [1]\n", "health.lua must be text"),
    ],
)
def test_malformed_values_raise_config_errors(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        parse_customizations(value)


def test_configmap_reads_both_forms_and_per_key_wins() -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "gitopsd-cm"},
        "data": {
            "timeout.reconciliation": "180s",
            "resource.customizations": COMBINED,
            "resource.customizations.health.cert-manager.io_Certificate": "per-key",
            "resource.customizations.health.ec2.aws.crossplane.io_*": "wildcard",
            "resource.customizations.health.Namespace": "core",
            "resource.customizations.health._ConfigMap": "explicit core",
            "resource.customizations.ignoreDifferences.apps_Deployment": "not health",
        },
    }
    assert customizations_from_configmap(cm) == {
        "cert-manager.io/Certificate": "per-key",
        "ec2.aws.crossplane.io/*": "wildcard",
        "Namespace": "core",
        "ConfigMap": "explicit core",
        "Service": "return nil",
    }


def test_configmap_without_data_has_no_scripts() -> None:
    assert customizations_from_configmap({"kind": "ConfigMap", "metadata": {}}) == {}


def test_exact_keys_win_over_wildcards() -> None:
    table = ScriptTable({"*.crossplane.io/*": "wild", "s3.aws.crossplane.io/Bucket": "exact"})
    assert table.lookup(GroupKind("s3.aws.crossplane.io", "Bucket")) == (
        "s3.aws.crossplane.io/Bucket",
        "exact",
    )
    assert table.lookup(GroupKind("s3.aws.crossplane.io", "Policy")) == (
        "*.crossplane.io/*",
        "wild",
    )


@pytest.mark.parametrize(
    ("group_kind", "found"),
    [
        (GroupKind("", "Pod"), "Pod"),
        (GroupKind("apps", "Deployment"), None),
        (GroupKind("crossplane.io", "Thing"), None),
        (GroupKind("pkg.crossplane.io", "Provider"), "*.crossplane.io/*"),
        (GroupKind("rds.aws.upbound.io", "Instance"), "*.upbound.io/Instance"),
        (GroupKind("rds.aws.upbound.io", "Cluster"), None),
    ],
)
def test_wildcard_matching(group_kind: GroupKind, found: str | None) -> None:
    table = ScriptTable({"/Pod": "core", "*.crossplane.io/*": "a", "*.upbound.io/Instance": "b"})
    match = table.lookup(group_kind)
    assert (match[0] if match else None) == found


def test_most_specific_wildcard_wins_whatever_the_input_order() -> None:
    keys = ["*", "*.crossplane.io/*", "ec2.aws.crossplane.io/*"]
    for ordering in (keys, list(reversed(keys))):
        table = ScriptTable({key: key for key in ordering})
        assert table.lookup(GroupKind("ec2.aws.crossplane.io", "VPC")) == (
            "ec2.aws.crossplane.io/*",
            "ec2.aws.crossplane.io/*",
        )
