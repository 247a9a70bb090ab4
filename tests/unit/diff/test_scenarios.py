"""Golden diff scenarios: one test per ``testdata/<scenario>/`` directory."""

from __future__ import annotations

import pytest

from gitopsd.diff import format_diffs
from tests.unit.diff.scenarios import as_data, load, scenario_names, secret_values


@pytest.mark.parametrize("name", scenario_names())
def test_scenario(name: str) -> None:
    scenario = load(name)
    diff = scenario.run()
    expected = scenario.expected
    assert expected, f"{name}: expected.yaml is missing or empty"

    assert as_data(diff) == {k: v for k, v in expected.items() if k != "patch"}
    if "patch" in expected:
        assert list(diff.patch) == expected["patch"]
    if scenario.expected_text is not None:
        assert diff.text() == scenario.expected_text
    if not diff.modified:
        assert format_diffs([diff]) == ""


@pytest.mark.parametrize("name", scenario_names())
def test_scenario_output_carries_no_secret_value(name: str) -> None:
    scenario = load(name)
    diff = scenario.run()
    shown = "\n".join(
        [diff.text(), format_diffs([diff]), repr(diff), str(diff.patch)]
        + [str(m) for m in diff.managers]
    )
    for value in secret_values(scenario.desired, scenario.live):
        assert value not in shown
