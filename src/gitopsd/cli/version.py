"""``gitopsd version``: print the version of gitopsd and of the tools it renders with."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess

from gitopsd import __version__


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("version", help="print gitopsd's version")
    parser.add_argument("--tools", action="store_true", help="also report kustomize and helm")
    parser.add_argument("-o", "--output", choices=["text", "json"], default="text")
    parser.set_defaults(func=run)


def _tool_version(tool: str, *args: str) -> str:
    path = shutil.which(tool)
    if path is None:
        return "not found"
    try:
        done = subprocess.run(
            [path, *args], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"error: {error}"
    return (
        (done.stdout or done.stderr).strip().splitlines()[0] if done.stdout or done.stderr else ""
    )


def run(args: argparse.Namespace) -> int:
    info = {"gitopsd": __version__}
    if args.tools:
        info["kustomize"] = _tool_version("kustomize", "version")
        info["helm"] = _tool_version("helm", "version", "--short")
    if args.output == "json":
        print(json.dumps(info, indent=2))
    else:
        for name, value in info.items():
            print(f"{name} {value}" if name != "gitopsd" else f"gitopsd {value}")
    return 0
