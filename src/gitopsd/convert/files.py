"""Reading and writing manifest files for ``gitopsd convert``.

``convert_path`` reads a file or a directory tree of ``.yaml``/``.yml``/``.json`` files,
converts each file's documents and keeps their original text so unchanged files can be
left byte for byte. ``dump_documents`` writes a YAML stream keeping key order (comments
are not kept: PyYAML drops them). Called by ``gitopsd.cli.convert``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitopsd.convert.documents import DEFAULT_NAMESPACE, convert_documents
from gitopsd.convert.results import ConvertResult, ConvertWarning
from gitopsd.errors import ManifestError
from gitopsd.model.yaml_loader import iter_yaml_documents

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class FileConversion:
    path: Path  # as found on disk
    relative: Path  # below the converted root (the file name for a single file)
    original: list[Any]  # documents as read
    result: ConvertResult

    @property
    def changed(self) -> bool:
        return self.result.documents != self.original

    @property
    def is_json(self) -> bool:
        return self.path.suffix == ".json"

    def render(self) -> str:
        """The converted file's text, in the file's own format."""
        if self.is_json:
            return json.dumps(self.result.documents[0], indent=2) + "\n"
        return dump_documents(self.result.documents)


@dataclass(frozen=True)
class PathConversion:
    root: Path
    files: tuple[FileConversion, ...]

    @property
    def documents(self) -> list[Any]:
        return [doc for f in self.files for doc in f.result.documents]

    @property
    def warnings(self) -> list[ConvertWarning]:
        return [w for f in self.files for w in f.result.warnings]


def convert_path(path: str | Path, *, namespace: str = DEFAULT_NAMESPACE) -> PathConversion:
    """Convert a manifest file or every manifest file below a directory (sorted, no dot-dirs).

    Raises ManifestError naming the file when one cannot be read or parsed.
    """
    root = Path(path)
    if root.is_dir():
        files = [(p, p.relative_to(root)) for p in manifest_files(root)]
    else:
        files = [(root, Path(root.name))]
    return PathConversion(
        root=root,
        files=tuple(convert_file(p, relative, namespace=namespace) for p, relative in files),
    )


def convert_text(
    text: str, *, source: str, namespace: str = DEFAULT_NAMESPACE, is_json: bool = False
) -> tuple[list[Any], ConvertResult]:
    """Parse and convert one file's text; returns the parsed and the converted documents."""
    docs = load_documents(text, source=source, is_json=is_json)
    return docs, convert_documents(docs, namespace=namespace, source=source)


def convert_file(path: Path, relative: Path, *, namespace: str) -> FileConversion:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: cannot read: {_reason(error)}") from error
    original, result = convert_text(
        text, source=str(path), namespace=namespace, is_json=path.suffix == ".json"
    )
    return FileConversion(path=path, relative=relative, original=original, result=result)


def manifest_files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix in MANIFEST_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def load_documents(text: str, *, source: str, is_json: bool = False) -> list[Any]:
    """The documents of a YAML stream (empty documents dropped) or of one JSON document.

    Errors give the position and the problem only: parser messages quote the offending
    line, which may hold a Secret value.
    """
    if is_json:
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as error:
            raise ManifestError(
                f"{source}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
            ) from error
    try:
        return [doc for doc in iter_yaml_documents(text) if doc is not None]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ManifestError(f"{source}: invalid YAML{where}: {error.problem}") from error
    except yaml.YAMLError as error:
        raise ManifestError(f"{source}: invalid YAML") from error


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key and writes multi-line strings as ``|`` blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_documents(docs: list[Any]) -> str:
    """A YAML stream of ``docs`` in order, keys in their original order."""
    if not docs:
        return ""
    return yaml.dump_all(
        docs,
        Dumper=_Dumper,
        sort_keys=False,
        explicit_start=len(docs) > 1,
        allow_unicode=True,
        default_flow_style=False,
        width=1 << 16,  # never fold long strings
    )


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return "not UTF-8 text"
