"""The package's public surface, CLI skeleton and layer contracts stay honest."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import gitopsd
from gitopsd.cli.main import main

REPO = Path(__file__).resolve().parents[2]


def test_public_surface_is_what_all_says() -> None:
    assert sorted(gitopsd.__all__) == ["GitopsdError", "GroupKind", "ResourceKey", "__version__"]
    for name in gitopsd.__all__:
        assert hasattr(gitopsd, name)


def test_version_command_prints_the_package_version(capsys: object) -> None:
    assert main(["version"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert out.strip() == f"gitopsd {gitopsd.__version__}"


def test_console_script_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gitopsd.cli.main", "version", "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f'"gitopsd": "{gitopsd.__version__}"' in done.stdout


def test_every_subpackage_is_covered_by_the_layer_contracts() -> None:
    """A new package that is not listed in .importlinter would escape the layer rules."""
    parser = configparser.ConfigParser()
    parser.read(REPO / ".importlinter")
    listed = set(
        parser["importlinter:contract:kubernetes-only-in-cluster"]["source_modules"].split()
    )
    listed.add("gitopsd.cluster")
    src = REPO / "src" / "gitopsd"
    actual = {
        f"gitopsd.{p.stem if p.is_file() else p.name}"
        for p in src.iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.name != "__init__.py")
    }
    assert actual - listed == set(), "add these modules to .importlinter"
