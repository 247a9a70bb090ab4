"""Where the render tools are and the sealed environment they run in.

Tools are found on ``PATH`` unless :class:`RenderTools` names them. Each run gets a fresh
``HOME`` and Helm/kustomize config, cache, data and plugin directories inside the render's
temporary directory, and no other variables from our own environment (no proxies, no
tokens), so nothing installed on the host (plugins, repositories, credentials) takes part.
Called by :mod:`gitopsd.render.kustomize` and :mod:`gitopsd.render.helm`.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from gitopsd.errors import ToolError


@dataclass(frozen=True)
class RenderTools:
    """The binaries to render with: a name looked up on PATH, or an absolute path."""

    kustomize: str = "kustomize"
    helm: str = "helm"


def find_binary(name: str, subject: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ToolError(f"{subject}: {name} not found on PATH")
    return found


def sealed_environment(scratch: Path) -> dict[str, str]:
    """An environment with only PATH and private, empty tool directories under ``scratch``."""
    home = scratch / "home"
    plugins = scratch / "plugins"
    for directory in (home, plugins):
        directory.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "LC_ALL": "C",
        "KUSTOMIZE_PLUGIN_HOME": str(plugins),
        "HELM_CACHE_HOME": str(home / "helm" / "cache"),
        "HELM_CONFIG_HOME": str(home / "helm" / "config"),
        "HELM_DATA_HOME": str(home / "helm" / "data"),
        "HELM_PLUGINS": str(plugins),
        "HELM_REGISTRY_CONFIG": str(home / "helm" / "registry.json"),
        "HELM_REPOSITORY_CONFIG": str(home / "helm" / "repositories.yaml"),
        "HELM_REPOSITORY_CACHE": str(home / "helm" / "repository"),
        "HELM_NO_PLUGINS": "1",
    }
