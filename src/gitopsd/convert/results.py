"""What a conversion produces: the converted documents and the fields it could not carry.

``Report`` collects the warnings of one document while the per-kind converters walk it;
``field_path`` spells the path of a field the way warnings show it. Used by every module
of ``gitopsd.convert`` and read by ``gitopsd.cli.convert``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True, order=True)
class ConvertWarning:
    """A field that could not be carried over (kept as written, but without effect)."""

    file: str  # "" for documents converted in memory
    index: int  # position of the document in its file's YAML stream, from 0
    obj: str  # the object's id as written in the input, e.g. Application/argocd/web
    path: str  # the field, e.g. spec.source.plugin
    message: str

    def __str__(self) -> str:
        return f"{self.file or '-'}[{self.index}]: {self.obj}: {self.path}: {self.message}"


@dataclass(frozen=True)
class ConvertResult:
    documents: list[Any]
    warnings: list[ConvertWarning]


@dataclass
class Report:
    """The warnings of one document, collected as its converters walk it."""

    file: str
    index: int
    obj: str
    warnings: list[ConvertWarning] = field(default_factory=list)

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(ConvertWarning(self.file, self.index, self.obj, path, message))


def field_path(parent: str, key: str | int) -> str:
    """``spec`` + ``source`` -> ``spec.source``; odd keys are quoted: ``data["dex.config"]``."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if _PLAIN_KEY.match(key):
        return f"{parent}.{key}" if parent else key
    return f'{parent}["{key}"]'


def rename_key(mapping: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """A copy of ``mapping`` with ``old`` renamed to ``new`` in place (an existing ``new`` wins)."""
    if new in mapping:
        return {key: value for key, value in mapping.items() if key != old}
    return {(new if key == old else key): value for key, value in mapping.items()}
