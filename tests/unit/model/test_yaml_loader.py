"""The one YAML loader: safe, timestamps stay strings, documents one at a time."""

from __future__ import annotations

import pytest

from gitopsd.model.yaml_loader import (
    YAMLError,
    iter_yaml_documents,
    load_yaml,
    load_yaml_documents,
    yaml_problem,
)


def test_timestamps_stay_strings_as_the_api_server_returns_them() -> None:
    loaded = load_yaml("created: 2026-01-01T12:00:00Z\nday: 2026-01-01\n")
    assert loaded == {"created": "2026-01-01T12:00:00Z", "day": "2026-01-01"}


def test_other_implicit_types_are_read_as_yaml_defines_them() -> None:
    assert load_yaml(b"a: 1\nb: true\nc: null\nd: 1.5\n") == {
        "a": 1,
        "b": True,
        "c": None,
        "d": 1.5,
    }


def test_a_stream_keeps_empty_documents_or_drops_them() -> None:
    text = "a: 1\n---\n---\nb: 2\n"
    assert list(iter_yaml_documents(text)) == [{"a": 1}, None, {"b": 2}]
    assert load_yaml_documents(text) == [{"a": 1}, {"b": 2}]


def test_python_tags_are_refused() -> None:
    with pytest.raises(YAMLError):
        load_yaml("!!python/object/apply:os.system ['true']")


def test_a_problem_names_its_line_without_quoting_it() -> None:
    with pytest.raises(YAMLError) as caught:
        load_yaml("a: 1\nb: [unclosed: hunter2\n")
    line, problem = yaml_problem(caught.value)
    assert line is not None and line >= 2
    assert "hunter2" not in problem
