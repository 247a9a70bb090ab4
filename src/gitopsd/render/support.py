"""Directories gitopsd cannot render, refused by name instead of rendering to nothing.

A plain directory whose files no renderer reads (``*.cue``, ``*.txt``, …) would otherwise
render to an empty list and look like an application that is Synced and Healthy with zero
resources: it raises ``UnsupportedSource`` naming the file types. Called by
:func:`gitopsd.render.rendering.render_with_dependencies` once the tool is chosen.
"""

from __future__ import annotations

from pathlib import Path

from gitopsd.errors import UnsupportedSource
from gitopsd.render.directory import MANIFEST_SUFFIXES
from gitopsd.spec import Source

SUPPORTED = (
    "*.yaml, *.yml and *.json manifests, *.jsonnet, a kustomization, a Helm chart or a "
    "config management plugin"
)


def check_supported(source: Source, app_dir: Path, subject: str, *, directory: bool) -> None:
    """Raise UnsupportedSource for what gitopsd would otherwise render as empty."""
    if directory:
        recurse = source.directory.recurse if source.directory else False
        unread = unread_file_types(app_dir, recurse=recurse)
        if unread:
            raise UnsupportedSource(
                f"{subject}: no file here is read by gitopsd (found {', '.join(unread)}); "
                f"it reads {SUPPORTED}"
            )


def unread_file_types(directory: Path, *, recurse: bool) -> list[str]:
    """File types in ``directory`` when none of its files is a manifest, else [].

    Hidden files and directories (``.gitkeep``, ``.github/``) do not count, so a
    directory kept only to be filled later is still an (empty) application.
    """
    suffixes: set[str] = set()
    pending = [directory]
    while pending:
        current = pending.pop()
        for entry in sorted(current.iterdir()):
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                if recurse:
                    pending.append(entry)
                continue
            if entry.suffix.lower() in MANIFEST_SUFFIXES:
                return []
            suffixes.add(entry.suffix.lower() or entry.name)
    return sorted(suffixes)
