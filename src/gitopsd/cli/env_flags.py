"""Flags of the long-running commands (``gitopsd run``, ``gitopsd server``) whose defaults
come from ``GITOPSD_<NAME>`` environment variables, as the Helm chart sets them.

Each flag's name is spelled once: the environment variable is derived from it
(:func:`gitopsd.config.env_flag_default`). Called by :mod:`gitopsd.cli.run` and
:mod:`gitopsd.cli.server`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from gitopsd.config import env_flag_default

FlagGroup = argparse._ActionsContainer


def env_flag(
    parser: FlagGroup,
    name: str,
    default: str,
    *,
    kind: Callable[[str], Any] = str,
    **options: Any,
) -> None:
    """``--<name>``, defaulting to ``$GITOPSD_<NAME>`` else ``default``, read by ``kind``."""
    value = kind(env_flag_default(name, default))
    parser.add_argument(f"--{name}", type=kind, default=value, **options)


def env_switch(parser: FlagGroup, name: str, help_text: str) -> None:
    """``--<name>``, on when given or when ``$GITOPSD_<NAME>`` is ``true``."""
    on = env_flag_default(name, "") == "true"
    parser.add_argument(f"--{name}", action="store_true", default=on, help=help_text)


def add_process_flags(parser: FlagGroup, namespace: str, namespace_help: str) -> None:
    """What both processes take first: the kubeconfig and their namespace."""
    parser.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG"))
    env_flag(parser, "namespace", namespace, help=namespace_help)


def add_log_flags(parser: FlagGroup) -> None:
    env_flag(parser, "log-format", "text", choices=["text", "json"])
    env_flag(parser, "log-level", "INFO")
