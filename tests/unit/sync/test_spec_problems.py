"""Configuration an Application carries that gitopsd cannot honour is found before any
work and reported naming the field: ignoreDifferences entries, sync options, durations,
and sources gitopsd does not render."""

from __future__ import annotations

import pytest

from gitopsd.config import parse_configmap
from gitopsd.diff import ignore_rule_problems
from gitopsd.errors import ConfigError, SpecError
from gitopsd.plan import sync_option_problems
from gitopsd.spec import IgnoreDifference, parse_duration, parse_source


def test_ignore_rule_problems_name_each_bad_entry() -> None:
    rules = (
        IgnoreDifference(kind="ConfigMap", json_pointers=("/data/ok", "data/mode")),
        IgnoreDifference(jq_path_expressions=(".spec[", ".a | length", ".spec.x[]")),
    )
    problems = ignore_rule_problems(rules, "spec.ignoreDifferences")
    assert problems[0].startswith("spec.ignoreDifferences[0].jsonPointers[1]: invalid JSON")
    assert problems[1].startswith("spec.ignoreDifferences[1].jqPathExpressions[0]: '.spec['")
    assert problems[2] == (
        "spec.ignoreDifferences[1].jqPathExpressions[1]: '.a | length' is not a path expression"
    )
    assert len(problems) == 3  # a shape error on an empty object is not the rule's fault


def test_sync_option_problems_name_unknown_options_and_bad_values() -> None:
    problems = sync_option_problems(
        ["CreateNamespace=true", "Prune=flase", "Frobnicate", "PruneLast"],
        "spec.syncPolicy.syncOptions",
    )
    assert len(problems) == 2
    assert problems[0].startswith("spec.syncPolicy.syncOptions[1]: sync option Prune='flase'")
    assert problems[1].startswith(
        "spec.syncPolicy.syncOptions[2]: unknown sync option 'Frobnicate' (known: "
    )


@pytest.mark.parametrize("text", ["1..5s", ".s", "5x", "m"])
def test_bad_durations_are_spec_errors_naming_the_field(text: str) -> None:
    with pytest.raises(SpecError) as raised:
        parse_duration(text, 1.0, field_name="spec.syncPolicy.retry.backoff.duration")
    assert str(raised.value) == f"spec.syncPolicy.retry.backoff.duration: invalid duration {text!r}"


def test_good_durations_still_parse() -> None:
    assert parse_duration("1h30m", 0) == 5400.0
    assert parse_duration("1.5s", 0) == 1.5
    assert parse_duration("250ms", 0) == 0.25


def test_plugin_and_jsonnet_sources_are_recognised_and_empty_leftovers_are_empty() -> None:
    base = {"repoURL": "https://git.example.com/r.git", "path": "x"}
    assert parse_source({**base, "plugin": {}}).plugin is not None
    assert parse_source(base).plugin is None
    settings = {"directory": {"jsonnet": {"tlas": [{"name": "env", "value": "prod"}]}}}
    jsonnet = parse_source({**base, **settings}).directory.jsonnet  # type: ignore[union-attr]
    assert [variable.name for variable in jsonnet.tlas] == ["env"]
    leftover = {"directory": {"recurse": True, "jsonnet": {}}}
    empty = parse_source({**base, **leftover}).directory.jsonnet  # type: ignore[union-attr]
    assert not (empty.ext_vars or empty.tlas or empty.libs)


def test_a_bad_global_ignore_entry_refuses_the_configmap_naming_the_key() -> None:
    data = {"resource.customizations.ignoreDifferences.all": "jsonPointers:\n  - data/mode\n"}
    with pytest.raises(ConfigError) as raised:
        parse_configmap(data)
    assert str(raised.value).startswith(
        "gitopsd-cm: resource.customizations.ignoreDifferences.all.jsonPointers[0]: "
    )
