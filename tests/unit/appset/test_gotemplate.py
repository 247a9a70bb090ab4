"""The Go template subset: every supported construct renders as Go would, and everything
outside the subset fails loudly. Cases live in ``testdata/gotemplate/*.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.appset.gotemplate import MissingKey, missing_key_option, render
from gitopsd.errors import SpecError

CASES = Path(__file__).parent / "testdata" / "gotemplate"
DATA = yaml.safe_load((CASES / "data.yaml").read_text())


def _cases(name: str) -> dict[str, list[Any]]:
    cases: dict[str, list[Any]] = yaml.safe_load((CASES / name).read_text())
    return cases


RENDERING = _cases("rendering.yaml")
ERRORS = _cases("errors.yaml")


def _option(case: list[Any]) -> MissingKey:
    return MissingKey(case[2]) if len(case) > 2 else MissingKey.DEFAULT


@pytest.mark.parametrize("name", sorted(RENDERING))
def test_renders(name: str) -> None:
    case = RENDERING[name]
    assert render(case[0], DATA, _option(case)) == case[1]


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_fails_naming_the_construct(name: str) -> None:
    case = ERRORS[name]
    with pytest.raises(SpecError) as raised:
        render(case[0], DATA, _option(case))
    assert str(raised.value) == case[1]


def test_go_template_options_are_parsed() -> None:
    assert missing_key_option([]) == MissingKey.DEFAULT
    assert missing_key_option(["missingkey=error"]) == MissingKey.ERROR
    assert missing_key_option(["missingkey=invalid"]) == MissingKey.DEFAULT
    assert missing_key_option(["missingkey=zero"]) == MissingKey.ZERO
    with pytest.raises(SpecError, match="unsupported goTemplateOptions entry 'missingkey=maybe'"):
        missing_key_option(["missingkey=maybe"])
    with pytest.raises(SpecError, match="unsupported goTemplateOptions entry 'strict'"):
        missing_key_option(["strict"])
