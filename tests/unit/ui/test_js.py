"""The web UI's pure JavaScript modules (YAML, diff, selectors, filters), tested with
node's own test runner (``js/*.test.mjs``); the DOM parts are tested in a real browser
by ``tests/e2e/test_ui.py``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def test_pure_modules_with_node() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed for the UI's JavaScript unit tests and is not on PATH")
    files = sorted(str(p) for p in (HERE / "js").glob("*.test.mjs"))
    assert files, "no JavaScript tests found"
    done = subprocess.run(
        [node, "--test", *files], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
