"""Running the ``gitopsd`` command in-process and capturing what it prints."""

from __future__ import annotations

import pytest

from gitopsd.cli.main import main


def gitopsd(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``gitopsd ARGS...``."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
