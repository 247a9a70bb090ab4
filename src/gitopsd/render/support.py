"""Sources gitopsd does not render, refused by name instead of rendering to nothing.

A ``plugin`` source, ``directory.jsonnet`` settings, or a plain directory whose files no
renderer reads (``*.jsonnet``, ``*.cue``, …) would otherwise render to an empty list and
look like an application that is Synced and Healthy with zero resources. Each raises
``UnsupportedSource`` naming the field or the file types. Called by
:func:`gitopsd.render.rendering.render_with_dependencies` once the tool is chosen, and by
``gitopsd convert`` (through :func:`unsupported_fields`) to warn before deploying.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitopsd.errors import UnsupportedSource
from gitopsd.render.directory import MANIFEST_SUFFIXES
from gitopsd.spec import Source

SUPPORTED = "*.yaml, *.yml and *.json manifests, a kustomization or a Helm chart"


def check_supported(source: Source, app_dir: Path, subject: str, *, directory: bool) -> None:
    """Raise UnsupportedSource for what gitopsd would otherwise render as empty."""
    if source.plugin:
        raise UnsupportedSource(
            f"{subject}: spec.source.plugin: config management plugins are not supported; "
            f"commit the rendered manifests, or use {SUPPORTED}"
        )
    if source.directory is not None and source.directory.jsonnet:
        raise UnsupportedSource(
            f"{subject}: spec.source.directory.jsonnet: Jsonnet is not supported; "
            f"commit the rendered manifests, or use {SUPPORTED}"
        )
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


def unsupported_fields(source: dict[str, Any]) -> list[str]:
    """The fields of a raw source that gitopsd does not render (for ``convert``)."""
    fields = []
    if source.get("plugin") is not None and "plugin" in source:
        fields.append("plugin (config management plugins are not supported)")
    jsonnet = (source.get("directory") or {}).get("jsonnet")
    if isinstance(jsonnet, dict) and any(bool(v) for v in jsonnet.values()):
        fields.append("directory.jsonnet (Jsonnet is not supported)")
    return fields
