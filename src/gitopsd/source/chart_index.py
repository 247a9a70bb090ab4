"""A Helm chart repository's ``index.yaml``: which versions of which charts, where, and
the SHA-256 digest of each archive.

Parsed with libyaml when PyYAML has it (public indexes run to tens of megabytes), into
frozen entries keyed by chart name. An entry without a digest keeps ``digest`` empty;
the archive's own digest is then recorded when it is first downloaded. Called by
:mod:`gitopsd.source.charts`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from gitopsd.errors import RepositoryUnreachable

_HEX_DIGEST = re.compile(r"^(?:sha256:)?([0-9a-fA-F]{64})$")
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class IndexEntry:
    """One chart version: ``digest`` is ``sha256:<hex>`` or "" when the index has none."""

    name: str
    version: str
    digest: str
    urls: tuple[str, ...]


ChartIndex = Mapping[str, tuple[IndexEntry, ...]]


def normal_digest(text: str) -> str:
    """``sha256:<lower hex>`` for a hex digest with or without its prefix, else ""."""
    match = _HEX_DIGEST.match(text.strip())
    return f"sha256:{match[1].lower()}" if match else ""


def parse_index(data: bytes, shown: str) -> dict[str, tuple[IndexEntry, ...]]:
    """The entries of an ``index.yaml``; RepositoryUnreachable when it is not one."""
    try:
        document = yaml.load(data, Loader=_LOADER)
    except yaml.YAMLError as error:
        raise RepositoryUnreachable(f"{shown}: index.yaml is not valid YAML") from error
    if not isinstance(document, dict) or not isinstance(document.get("entries"), dict):
        raise RepositoryUnreachable(f"{shown}: index.yaml has no entries (not a chart repository)")
    index: dict[str, tuple[IndexEntry, ...]] = {}
    for name, versions in document["entries"].items():
        if not isinstance(versions, list):
            continue
        entries = [_entry(str(name), item) for item in versions if isinstance(item, dict)]
        index[str(name)] = tuple(e for e in entries if e is not None)
    return index


def _entry(name: str, item: dict[str, Any]) -> IndexEntry | None:
    version = str(item.get("version") or "")
    urls = tuple(str(u) for u in item.get("urls") or [] if isinstance(u, str))
    if not version or not urls:
        return None
    return IndexEntry(name, version, normal_digest(str(item.get("digest") or "")), urls)
