"""What a render tool may reach: its environment and, where the kernel allows, no network.

Every kustomize and helm run gets a sealed environment (:func:`sealed_environment`): only
``PATH``, a fresh ``HOME`` and private Helm/kustomize directories inside the render's
temporary directory, nothing else of ours (no tokens, no kubeconfig). For an offline
render — every Helm render, and kustomize unless remote bases are enabled — the
environment is also sealed against the network:

- git (which kustomize runs for a remote base) reads no system or global config and
  allows no protocol at all (``GIT_CONFIG_COUNT``: ``protocol.allow=never``;
  ``GIT_ALLOW_PROTOCOL`` names none), so no spelling of a remote base fetches anything;
- HTTP(S) clients are sent to a proxy on a closed local port, so a remote resource or a
  schema ``$ref`` URL fails instead of connecting.

Go ignores proxy variables for loopback addresses, so the environment alone cannot keep a
tool from reaching a service on the controller's own host. Where unprivileged user
namespaces are allowed, the tool therefore runs in a new network namespace with no
interfaces up (``unshare --net --map-root-user``), which no URL spelling can leave. It
costs 3 to 5 ms per run (``true`` with and without it), within the noise of a real
kustomize or helm render. :func:`network_isolation` says which of the two is in force.

Called by :class:`gitopsd.render.runner.SubprocessRunner` and the renderers.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

from gitopsd.errors import ToolError

log = logging.getLogger(__name__)

# Nothing listens here: port 1 (tcpmux) is unassigned on every host we run on.
CLOSED_PROXY = "http://127.0.0.1:1"
_UNSHARE = ("--net", "--map-root-user", "--")
_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")
# With remote bases enabled, git may use these and nothing that runs a helper (ext, fd).
_REMOTE_PROTOCOLS = ("https", "http", "ssh", "git")


class Isolation(StrEnum):
    """How an offline tool run is kept off the network."""

    AUTO = "auto"  # a network namespace when the kernel allows one, else the environment
    NAMESPACE = "namespace"  # a network namespace, or the run fails
    ENVIRONMENT = "environment"  # the sealed environment only


def sealed_environment(scratch: Path, *, offline: bool = True) -> dict[str, str]:
    """The environment for one tool run, with private directories under ``scratch``."""
    home = scratch / "home"
    plugins = scratch / "plugins"
    for directory in (home, plugins):
        directory.mkdir(parents=True, exist_ok=True)
    env = {
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
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "false",
        "SSH_ASKPASS": "false",
        "GIT_SSH_COMMAND": "ssh -o BatchMode=yes",
    }
    env.update(_git_protocols(() if offline else _REMOTE_PROTOCOLS))
    if offline:
        env.update(dict.fromkeys(_PROXY_VARIABLES, CLOSED_PROXY))
        env.update({"NO_PROXY": "", "no_proxy": "", "GIT_SSH_COMMAND": "false"})
    return env


def _git_protocols(allowed: Sequence[str]) -> dict[str, str]:
    """Git config through the environment: every protocol refused but ``allowed``."""
    settings = [("protocol.allow", "never")]
    settings += [(f"protocol.{name}.allow", "always") for name in allowed]
    env = {"GIT_CONFIG_COUNT": str(len(settings))}
    for index, (key, value) in enumerate(settings):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    # Consulted before protocol.allow; a name that is no protocol allows none.
    env["GIT_ALLOW_PROTOCOL"] = ":".join(allowed) or "none"
    return env


@functools.cache
def _unshare_binary() -> str | None:
    """``unshare`` when it can create a network namespace here, else None (probed once)."""
    unshare, true = shutil.which("unshare"), shutil.which("true")
    if unshare is None or true is None:
        return None
    try:
        probe = subprocess.run(
            [unshare, *_UNSHARE, true], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if probe.returncode != 0:
        log.info("renders are kept offline by their environment: no network namespaces here")
        return None
    log.info("renders run in their own network namespace")
    return unshare


def network_isolation(isolation: Isolation = Isolation.AUTO) -> Isolation:
    """The isolation offline runs actually get: NAMESPACE or ENVIRONMENT."""
    if isolation is Isolation.ENVIRONMENT:
        return Isolation.ENVIRONMENT
    if _unshare_binary() is not None:
        return Isolation.NAMESPACE
    if isolation is Isolation.NAMESPACE:
        raise ToolError("network namespaces are required for renders but not available")
    return Isolation.ENVIRONMENT


def isolated_argv(argv: Sequence[str], *, offline: bool, isolation: Isolation) -> list[str]:
    """``argv`` as it is started: inside a new network namespace when offline and possible."""
    if not offline or network_isolation(isolation) is not Isolation.NAMESPACE:
        return list(argv)
    unshare = _unshare_binary()
    assert unshare is not None  # network_isolation said NAMESPACE
    return [unshare, *_UNSHARE, *argv]
