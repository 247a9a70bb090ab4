"""The environment a git subprocess authenticates with, built from :class:`RepoCredentials`.

HTTPS credentials reach git through ``GIT_ASKPASS`` (a fixed script that echoes two
environment variables), never through the URL, so they cannot end up in ``.git/config``,
``FETCH_HEAD``, a process list or an error message. SSH keys are written to a private
temporary file for the duration of one command. Terminal prompts are disabled so a missing
credential fails fast instead of hanging.

Used only by :mod:`gitopsd.source.gitcmd`.
"""

from __future__ import annotations

import os
import shlex
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gitopsd.source.credentials import RepoCredentials

_ASKPASS_SCRIPT = """#!/bin/sh
# Answers git's credential prompts from the environment; holds no secret itself.
case "$1" in
  Username*) printf '%s\\n' "$GITOPSD_GIT_USERNAME" ;;
  *) printf '%s\\n' "$GITOPSD_GIT_PASSWORD" ;;
esac
"""
# Username sent with a bare token (most forges accept any non-empty name with a token).
TOKEN_USERNAME = "git"


def install_askpass(directory: Path) -> Path:
    """Write the askpass helper into ``directory`` (idempotent) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "askpass.sh"
    if not script.exists() or script.read_text() != _ASKPASS_SCRIPT:
        tmp = directory / f".askpass-{os.getpid()}.tmp"
        tmp.write_text(_ASKPASS_SCRIPT)
        tmp.chmod(stat.S_IRWXU)
        tmp.replace(script)
    return script


def base_environment(askpass: Path) -> dict[str, str]:
    """Variables every git call gets: C locale, no prompts, no user or system config."""
    env = dict(os.environ)
    env.update(
        {
            "LC_ALL": "C",
            "LANGUAGE": "C",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": str(askpass),
            "SSH_ASKPASS": str(askpass),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GITOPSD_GIT_USERNAME": "",
            "GITOPSD_GIT_PASSWORD": "",
            "GIT_SSH_COMMAND": "ssh -o BatchMode=yes",
        }
    )
    return env


def _ssh_command(key_file: Path, known_hosts: Path | None, insecure: bool) -> str:
    parts = ["ssh", "-i", str(key_file), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"]
    if insecure:
        parts += ["-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={os.devnull}"]
    else:
        parts += ["-o", "StrictHostKeyChecking=yes"]
        if known_hosts is not None:
            parts += ["-o", f"UserKnownHostsFile={known_hosts}"]
    return shlex.join(parts)


@contextmanager
def credential_environment(
    base: dict[str, str], credentials: RepoCredentials | None, scratch: Path
) -> Iterator[dict[str, str]]:
    """``base`` plus what ``credentials`` need; temporary key files live only inside."""
    env = dict(base)
    if credentials is None:
        yield env
        return
    if credentials.password:
        env["GITOPSD_GIT_USERNAME"] = credentials.username or TOKEN_USERNAME
        env["GITOPSD_GIT_PASSWORD"] = credentials.password
    elif credentials.username:
        env["GITOPSD_GIT_USERNAME"] = credentials.username
    if credentials.insecure:
        env["GIT_SSL_NO_VERIFY"] = "true"
    if not credentials.ssh_private_key:
        yield env
        return
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch, prefix="ssh-") as private:
        key_file = Path(private) / "key"
        key_file.touch(mode=0o600)
        key_file.write_text(credentials.ssh_private_key.rstrip("\n") + "\n")
        known_hosts = None
        if credentials.known_hosts:
            known_hosts = Path(private) / "known_hosts"
            known_hosts.write_text(credentials.known_hosts)
        env["GIT_SSH_COMMAND"] = _ssh_command(key_file, known_hosts, credentials.insecure)
        yield env
