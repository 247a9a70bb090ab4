"""Golden files are rewritten only with an explicit ``GITOPSD_UPDATE_GOLDEN=1``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.golden import UPDATE_VARIABLE, updating
from tests.unit.cli.golden import assert_golden


@pytest.mark.parametrize("value", ["", "0", "false", "yes", "true", "2"])
def test_any_other_value_compares_and_rewrites_nothing(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(UPDATE_VARIABLE, value)
    assert not updating()
    golden = tmp_path / "expected.txt"
    golden.write_text("expected\n")
    with pytest.raises(AssertionError):
        assert_golden(golden, "something else\n")
    assert golden.read_text() == "expected\n"


def test_an_unset_variable_compares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UPDATE_VARIABLE, raising=False)
    assert not updating()


def test_one_rewrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(UPDATE_VARIABLE, "1")
    golden = tmp_path / "expected.txt"
    golden.write_text("old\n")
    assert_golden(golden, "new\n")
    assert golden.read_text() == "new\n"
