"""Chart values schemas that could make Helm read a file or a URL, refused before it runs.

Helm validates values against each chart's ``values.schema.json`` and follows the
schema's ``$ref``s: a URL is fetched, and a relative reference resolves against
``file:///``, so ``"$ref": "etc/shadow"`` reads a file of the controller's host. The
network is closed to renders (:mod:`gitopsd.render.sandbox`), but a file read is not, so
every schema in the chart — its own, those of its subcharts in ``charts/``, also inside
packaged ``.tgz`` subcharts — may only use references within the same document
(``"#/definitions/…"``) and only the standard ``$schema`` URLs, which Helm knows without
loading them. Called by :func:`gitopsd.render.helm.render_helm`.
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gitopsd.errors import PathEscape, RenderError

SCHEMA_FILE = "values.schema.json"
_REFERENCE_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")
_KNOWN_METASCHEMAS = {
    f"{scheme}://json-schema.org/{path}"
    for scheme in ("http", "https")
    for path in (
        "schema",
        "schema#",
        "draft-04/schema",
        "draft-04/schema#",
        "draft-06/schema",
        "draft-06/schema#",
        "draft-07/schema",
        "draft-07/schema#",
        "draft/2019-09/schema",
        "draft/2020-12/schema",
    )
}
_MAX_SCHEMA_BYTES = 4 * 1024 * 1024


def check_chart_schemas(chart_dir: Path, root: Path, subject: str) -> None:
    """Raise PathEscape for the first schema reference that leaves its own document."""
    for shown, text in _schemas(chart_dir, root, subject):
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise RenderError(f"{subject}: {shown}: not valid JSON") from error
        for key, value in _references(document):
            if key == "$schema":
                if value not in _KNOWN_METASCHEMAS:
                    raise PathEscape(
                        f"{subject}: {shown}: $schema {value[:200]!r} is not a standard "
                        "JSON Schema draft"
                    )
            elif not value.startswith("#"):
                raise PathEscape(
                    f"{subject}: {shown}: {key} {value[:200]!r} points outside the schema; "
                    "only references within the same file ('#/…') are allowed"
                )


def _schemas(chart_dir: Path, root: Path, subject: str) -> Iterator[tuple[str, bytes]]:
    """(name to show, content) of every values schema in the chart and its subcharts."""
    for path in _files(chart_dir):
        if path.name == SCHEMA_FILE:
            yield path.resolve().relative_to(root.resolve()).as_posix(), _read(path)
        elif path.name.endswith(".tgz"):
            yield from _archived_schemas(path, root, subject)


def _files(directory: Path) -> list[Path]:
    """Files under ``directory``, following symlinked directories once each (as Helm's
    loader follows them; the renderer has checked they stay in the repository)."""
    files: list[Path] = []
    pending, seen = [directory], set()
    while pending:
        current = pending.pop()
        if current.resolve() in seen:
            continue
        seen.add(current.resolve())
        for entry in sorted(current.iterdir()):
            if entry.is_dir():
                pending.append(entry)
            elif entry.is_file():
                files.append(entry)
    return files


def _read(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(_MAX_SCHEMA_BYTES + 1)


def _archived_schemas(archive: Path, root: Path, subject: str) -> Iterator[tuple[str, bytes]]:
    shown = archive.resolve().relative_to(root.resolve()).as_posix()
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if member.isfile() and Path(member.name).name == SCHEMA_FILE:
                    extracted = tar.extractfile(member)
                    if extracted is not None:
                        yield f"{shown}:{member.name}", extracted.read(_MAX_SCHEMA_BYTES + 1)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise RenderError(f"{subject}: {shown}: not a readable chart archive") from error


def _references(node: Any) -> Iterator[tuple[str, str]]:
    """Every (keyword, value) of ``$ref``-like and ``$schema`` keywords, at any depth."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                if key in (*_REFERENCE_KEYS, "$schema") and isinstance(value, str):
                    yield key, value
                else:
                    pending.append(value)
        elif isinstance(current, list):
            pending.extend(current)
