"""The one YAML loader: safe YAML (libyaml when available) whose timestamps stay strings.

Kubernetes has no YAML timestamp type, and a ``date`` object would neither survive JSON
nor compare equal to what the API server returns, so an unquoted ``2026-01-01`` is read as
the string it is, as Argo CD reads it (through JSON). Everything gitopsd reads as YAML goes
through here: rendered manifests, manifest files given to the CLI, Git generator files,
``gitopsd-cm`` and ``gitopsd-rbac-cm`` values (plugin declarations included), the CLI's
configuration and plugin files, chart repository indexes, ``Chart.yaml`` and
``Chart.lock``. Dumping is left to
each caller (the formats differ on purpose).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import yaml

YAMLError = yaml.YAMLError

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """SafeLoader without the implicit timestamp type."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, Any]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def load_yaml(text: str | bytes) -> Any:
    """The one document of ``text`` (None when empty). Raises ``YAMLError``."""
    return yaml.load(text, Loader=_Loader)


def iter_yaml_documents(text: str | bytes) -> Iterator[Any]:
    """The documents of a YAML stream, ``None`` for empty ones, one at a time (so a caller
    can say which document was bad). Raises ``YAMLError``."""
    yield from yaml.load_all(text, Loader=_Loader)


def load_yaml_documents(text: str | bytes) -> list[Any]:
    """The non-empty documents of a YAML stream. Raises ``YAMLError``."""
    return [document for document in iter_yaml_documents(text) if document is not None]


def yaml_problem(error: YAMLError) -> tuple[int | None, str]:
    """Where (the 1-based line, when known) and what (``mapping values are not allowed
    here``), without the excerpt of the offending line that ``str(error)`` adds."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return (mark.line + 1 if mark is not None else None), str(problem)
