"""Entry point of the ``gitopsd`` console script.

Each command lives in its own module under ``gitopsd.cli`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable taking the
parsed arguments and returning the exit code. Modules are imported lazily by name so a
broken optional dependency in one verb cannot break ``gitopsd --help``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from gitopsd.errors import GitopsdError

# Modules under gitopsd.cli that register commands, in the order --help lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "version",
    "render",
    "health",
    "diff",
    "run",
    "server",
    "login",
    "app",
    "appset",
    "repo",
    "proj",
    "cluster",
    "convert",
    "plugin",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that verb's module is imported (faster start-up,
    and ``gitopsd run`` does not load the people's verbs)."""
    parser = argparse.ArgumentParser(
        prog="gitopsd",
        description="A Kubernetes GitOps controller: keeps clusters equal to Git.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if only is None else (only,):
        try:
            module = importlib.import_module(f"gitopsd.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"gitopsd.cli.{name}":
                continue  # verb not built yet
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    first = arguments[0] if arguments else None
    parser = build_parser(first if first in COMMAND_MODULES else None)
    args = parser.parse_args(arguments)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return func(args)
    except GitopsdError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
