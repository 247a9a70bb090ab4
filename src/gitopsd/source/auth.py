"""The environment a git subprocess authenticates with, built from :class:`RepoCredentials`.

HTTPS credentials reach git through ``GIT_ASKPASS`` (a fixed script that echoes
environment variables), never through the URL, so they cannot end up in ``.git/config``,
``FETCH_HEAD``, a process list or an error message. SSH keys are written to a private
temporary file for the duration of one command. Terminal prompts are disabled so a missing
credential fails fast instead of hanging.

Credentials go only to the server they were matched to
(:meth:`~gitopsd.source.credentials.CredentialStore.lookup`), and two guards keep git from
handing them to anyone else during the call:

- ``http.followRedirects=false`` whenever credentials are attached. git's default
  (``initial``) follows a redirect of the first request to another host and then answers
  that host's 401 with the same credentials; with ``false`` a redirect is an error, and
  the repository URL must be the one the server answers on.
- The askpass script answers only prompts for the expected origin (``Username for
  'https://host:port'`` as git words it), so a proxy or any other server asking gets
  nothing.

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
from urllib.parse import unquote

from gitopsd.source.credentials import RepoCredentials

_ASKPASS_SCRIPT = """#!/bin/sh
# Answers git's credential prompts from the environment, and only for the origin the
# credentials were matched to; holds no secret itself.
[ -n "$GITOPSD_GIT_HOST" ] || exit 1
case "$1" in
  "Username for '$GITOPSD_GIT_SCHEME://$GITOPSD_GIT_HOST': ")
    printf '%s\\n' "$GITOPSD_GIT_USERNAME" ;;
  "Password for '$GITOPSD_GIT_SCHEME://"*"@$GITOPSD_GIT_HOST': ")
    printf '%s\\n' "$GITOPSD_GIT_PASSWORD" ;;
  *) exit 1 ;;
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
            "GITOPSD_GIT_SCHEME": "",
            "GITOPSD_GIT_HOST": "",
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


def git_prompt_origin(repo_url: str) -> tuple[str, str]:
    """(scheme, host[:port]) as git names ``repo_url`` in its credential prompts.

    Mirrors git's own reading (``credential_from_url``): the scheme as written, and the
    authority after its first ``@`` up to the first ``/``, ``?`` or ``#``. ("", "") when
    ``repo_url`` has no scheme (scp-like SSH, local paths), where git never prompts.
    """
    scheme, separator, rest = repo_url.partition("://")
    if not separator:
        return "", ""
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority = rest[:end]
    return scheme, unquote(authority[authority.find("@") + 1 :])


def _follow_no_redirects(env: dict[str, str]) -> None:
    """Add ``http.followRedirects=false`` to the configuration git reads from ``env``."""
    index = int(env.get("GIT_CONFIG_COUNT", "0") or "0")
    env[f"GIT_CONFIG_KEY_{index}"] = "http.followRedirects"
    env[f"GIT_CONFIG_VALUE_{index}"] = "false"
    env["GIT_CONFIG_COUNT"] = str(index + 1)


@contextmanager
def credential_environment(
    base: dict[str, str], credentials: RepoCredentials | None, scratch: Path, repo_url: str
) -> Iterator[dict[str, str]]:
    """``base`` plus what ``credentials`` need to reach ``repo_url`` and nothing else;
    temporary key files live only inside."""
    env = dict(base)
    if credentials is None:
        yield env
        return
    _follow_no_redirects(env)
    env["GITOPSD_GIT_SCHEME"], env["GITOPSD_GIT_HOST"] = git_prompt_origin(repo_url)
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
