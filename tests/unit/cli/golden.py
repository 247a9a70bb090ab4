"""Golden-file comparison for the CLI tests: ``GITOPSD_UPDATE_GOLDEN=1`` rewrites the
expected file after a deliberate change (review the diff before committing it)."""

from __future__ import annotations

from pathlib import Path

from tests.support.golden import updating


def assert_golden(path: Path, actual: str) -> None:
    if updating():
        path.write_text(actual)
    assert path.is_file(), f"{path} is missing: run with GITOPSD_UPDATE_GOLDEN=1 to create it"
    assert actual == path.read_text(), f"output differs from {path}"
