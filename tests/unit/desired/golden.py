"""Golden-file helpers for the desired-set and plan tests: read scenarios, compare output.

``GITOPSD_UPDATE_GOLDEN=1`` rewrites expected files from the current output, for review
in the diff; without it a mismatch fails the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.support.golden import updating


def load_docs(path: Path) -> list[dict[str, Any]]:
    """Every non-empty document of a multi-document YAML file."""
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def load(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def assert_golden(actual: Any, expected_path: Path) -> None:
    """``actual`` equals the YAML in ``expected_path`` (or rewrites it when updating)."""
    if updating():
        expected_path.write_text(
            yaml.safe_dump(actual, sort_keys=False, default_flow_style=False, width=100),
            encoding="utf-8",
        )
    assert actual == load(expected_path)


def scenario_names(directory: Path) -> list[str]:
    """Scenario names found in ``directory`` (subdirectories or ``*.yaml`` files)."""
    return sorted(p.stem if p.is_file() else p.name for p in directory.iterdir())
