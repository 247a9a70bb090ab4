"""A render tool's stderr made fit for a status condition, an Event and a log line.

kustomize and Helm repeat their input when they fail: a secretGenerator literal or an
env-file line (kustomize prints bad lines even as decimal bytes), a Helm value that fails
the chart's schema, the temporary and cache paths they were given. What reaches status,
Events and logs is therefore built here, never taken as is:

1. only the tool's error lines (``Error: …`` and the ``chart:``/``- …`` items under it; the last
   line when there is none), each cut to a readable length, at most a few of them;
2. private paths (the checkout, the render's temporary tree, ref checkouts) replaced by
   what the user knows them as (repository-relative paths), any other absolute path by
   its last component;
3. every secret value the render fed the tool (secretGenerator literals and env/file
   contents, Helm values; collected by the renderers) replaced by ``***``;
4. value positions redacted whatever they hold: ``key=value`` → ``key=***``, a quoted
   string right after ``: `` → ``'***'``, bracketed byte lists → ``[…]``.

Rule 3 catches the values we know about, rule 4 the shapes in which tools print values
we do not (re-encoded, computed in a template). Called by
:class:`gitopsd.render.runner.SubprocessRunner`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

REDACTED = "***"
_MIN_SECRET = 4  # shorter values are too common to replace without garbling messages
_MAX_LINES = 6
_MAX_LINE = 300
# ``key=value`` outside quotes: the value is redacted up to the next space or quote.
# kustomize's own ``err='…'`` wrapper is not a value.
_ASSIGNMENT = re.compile(
    r"(?<![\w.-])(?!err=)([\w.\-/\[\]]*)=(?!=)([^\s'\"`,;]+|'[^']*'|\"[^\"]*\")"
)
# A quoted string in a value position (right after ``: ``), e.g. a schema error's value.
_QUOTED_VALUE = re.compile(r"(:\s+)(['\"`])(?:(?!\2).){1,2000}\2")
# Decimal byte lists (kustomize prints undecodable lines as ``[255 254 32 …]``).
_BYTES = re.compile(r"\[(?:\d{1,3}\s+){2,}\d{1,3}\]")
# Lines that continue an ``Error:`` (Helm's schema errors: a chart name, then ``- …`` items).
_CONTINUATION = re.compile(r"\s*(- |[\w.-]+:$)")
# An absolute path that survived the known-prefix replacement.
_ABSOLUTE = re.compile(r"(?<![\w:/.~-])(/(?:[^\s'\"`:/]+/)+)([^\s'\"`:/]*)")


def describe_failure(
    stderr: str, *, paths: Mapping[str, str] = {}, secrets: Iterable[str] = ()
) -> str:
    """The redacted, shortened error of a failed tool run (see the module docstring).

    ``paths`` maps private absolute prefixes to what they are shown as ("" for the
    repository root); ``secrets`` are values that must not appear.
    """
    lines = [hide_paths(line, paths) for line in _error_lines(stderr)]
    text = "\n".join(lines)
    text = redact_values(text, secrets)
    joined = "; ".join(_cut(line) for line in text.split("\n") if line.strip())
    return joined.replace(":; ", ": ") or "no error output"


def _error_lines(stderr: str) -> list[str]:
    lines = [line.rstrip() for line in stderr.splitlines() if line.strip()]
    picked: list[str] = []
    in_error = False
    for line in lines:
        if line.startswith("Error:"):
            picked.append(line.removeprefix("Error:").strip())
            in_error = True
        elif in_error and _CONTINUATION.match(line):
            picked.append(line.strip())
        else:
            in_error = False
    if not picked and lines:
        picked = [lines[-1].strip()]
    return picked[:_MAX_LINES]


def hide_paths(text: str, paths: Mapping[str, str]) -> str:
    """Private prefixes replaced by their public names, other absolute paths shortened."""
    for prefix in sorted((p for p in paths if p), key=len, reverse=True):
        shown = paths[prefix]
        stripped = prefix.rstrip("/")
        text = text.replace(stripped + "/", f"{shown}/" if shown else "")
        text = text.replace(stripped, shown or ".")
    return _ABSOLUTE.sub(lambda m: m.group(2) or ".", text)


def redact_values(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with known secret values and value-shaped substrings replaced."""
    for secret in sorted(_usable(secrets), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _BYTES.sub("[…]", text)
    text = _QUOTED_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(2)}", text)
    return _ASSIGNMENT.sub(lambda m: f"{m.group(1)}={REDACTED}", text)


def _usable(secrets: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for secret in secrets:
        for part in (secret, *secret.splitlines()):
            stripped = part.strip()
            if len(stripped) >= _MIN_SECRET:
                found.add(stripped)
    return found


def _cut(line: str) -> str:
    line = line.strip()
    return line if len(line) <= _MAX_LINE else line[:_MAX_LINE] + "…"
