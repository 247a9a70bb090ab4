"""Generator rules that golden scenarios do not show well: errors and edge cases."""

from __future__ import annotations

from typing import Any

import pytest

from gitopsd.appset import ClusterInfo, LocalRepoFiles, generate
from gitopsd.errors import SpecError


def _appset(generators: list[Any], *, go_template: bool = False, name: str = "{{n}}") -> Any:
    return {
        "apiVersion": "argoproj.io/v1alpha1",  # Argo CD manifests preview unchanged
        "kind": "ApplicationSet",
        "metadata": {"name": "t", "namespace": "ns"},
        "spec": {
            "goTemplate": go_template,
            "generators": generators,
            "template": {"metadata": {"name": name}, "spec": {"project": "p"}},
        },
    }


def _names(appset: Any, clusters: list[ClusterInfo] | None = None) -> list[str]:
    generated = generate(appset, repos=LocalRepoFiles(), clusters=clusters or [])
    return [a["metadata"]["name"] for a in generated]


def _list(*names: str, **extra: Any) -> dict[str, Any]:
    return {"list": {"elements": [{"n": n, **extra} for n in names]}}


def _error(appset: Any) -> str:
    with pytest.raises(SpecError) as raised:
        generate(appset, repos=LocalRepoFiles(), clusters=[])
    return str(raised.value)


def test_list_values_become_strings_and_json() -> None:
    appset = _appset(
        [{"list": {"elements": [{"n": "a", "count": 3, "on": True, "tags": ["x", "y"]}]}}],
        name="{{n}}-{{count}}-{{on}}",
    )
    appset["spec"]["template"]["spec"]["info"] = [{"name": "tags", "value": "{{tags}}"}]
    generated = generate(appset, repos=LocalRepoFiles())
    assert generated[0]["metadata"]["name"] == "a-3-true"
    assert generated[0]["spec"]["info"] == [{"name": "tags", "value": '["x","y"]'}]


def test_elements_yaml_adds_elements() -> None:
    appset = _appset([{"list": {"elements": [{"n": "a"}], "elementsYaml": "- n: b\n- n: c\n"}}])
    assert _names(appset) == ["a", "b", "c"]


def test_a_selector_filters_any_generator_by_its_parameters() -> None:
    appset = _appset([{**_list("a", "b"), "selector": {"matchLabels": {"n": "b"}}}])
    assert _names(appset) == ["b"]


def test_matrix_needs_exactly_two_children() -> None:
    appset = _appset([{"matrix": {"generators": [_list("a"), _list("b"), _list("c")]}}])
    assert _error(appset) == (
        "ApplicationSet/ns/t: generators[0]: matrix generator: "
        "matrix needs exactly two child generators, found 3"
    )


def test_matrix_rejects_conflicting_parameters_in_fasttemplate_mode() -> None:
    appset = _appset([{"matrix": {"generators": [_list("a"), _list("b")]}}])
    assert _error(appset).endswith("found duplicate key n with different value, a: a ,b: b")


def test_matrix_in_go_template_mode_lets_the_first_child_win() -> None:
    first = {"list": {"elements": [{"n": "a", "m": {"x": "1"}}]}}
    second = {"list": {"elements": [{"n": "b", "m": {"y": "2"}}]}}
    appset = _appset(
        [{"matrix": {"generators": [first, second]}}],
        go_template=True,
        name="{{ .n }}-{{ .m.x }}-{{ .m.y }}",
    )
    assert _names(appset) == ["a-1-2"]


def test_matrix_second_child_sees_the_first_childs_parameters() -> None:
    first = {"list": {"elements": [{"env": "dev"}, {"env": "prod"}]}}
    second = {"list": {"elements": [{"n": "app-{{env}}"}]}}
    appset = _appset([{"matrix": {"generators": [first, second]}}])
    assert _names(appset) == ["app-dev", "app-prod"]


def test_merge_requires_unique_keys_in_overriding_generators() -> None:
    appset = _appset([{"merge": {"mergeKeys": ["n"], "generators": [_list("a"), _list("a", "a")]}}])
    assert "not unique by the given mergeKeys" in _error(appset)


def test_merge_requires_merge_keys() -> None:
    appset = _appset([{"merge": {"generators": [_list("a"), _list("b")]}}])
    assert _error(appset).endswith("no merge keys were specified, merge requires at least one")


def test_merge_in_go_template_mode_merges_nested_keys() -> None:
    base = {"list": {"elements": [{"n": "a", "values": {"x": "1", "y": "1"}}, {"n": "b"}]}}
    override = {"list": {"elements": [{"n": "a", "values": {"y": "2"}}]}}
    appset = _appset(
        [{"merge": {"mergeKeys": ["n"], "generators": [base, override]}}],
        go_template=True,
        name="{{ .n }}{{ with .values }}-{{ .x }}{{ .y }}{{ end }}",
    )
    assert _names(appset) == ["a-12", "b"]


def test_unsupported_generators_are_named() -> None:
    appset = _appset([{"pullRequest": {"github": {}}}])
    assert _error(appset) == (
        "ApplicationSet/ns/t: generators[0]: unsupported generator 'pullRequest'"
    )


def test_clusters_in_go_template_mode_expose_metadata_maps() -> None:
    clusters = [ClusterInfo("eu", "https://eu", {"env": "prod"}, {"team": "sre"})]
    appset = _appset(
        [{"clusters": {"selector": {"matchLabels": {"env": "prod"}}}}],
        go_template=True,
        name="{{ .name }}-{{ .metadata.labels.env }}-{{ .metadata.annotations.team }}",
    )
    assert _names(appset, clusters) == ["eu-prod-sre"]


def test_a_selector_with_a_bad_operator_is_a_spec_error() -> None:
    appset = _appset([{"clusters": {"selector": {"matchExpressions": [{"key": "a"}]}}}])
    assert "invalid selector expression" in _error(appset)


def test_an_invalid_generated_name_is_a_spec_error() -> None:
    appset = _appset([_list("Web_App")])
    assert _error(appset) == (
        "ApplicationSet/ns/t: generators[0]: Application/ns/Web_App: generated name is not a "
        "valid lower-case DNS subdomain (check the template's metadata.name)"
    )
