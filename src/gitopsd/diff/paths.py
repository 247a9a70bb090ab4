"""Concrete paths into raw Kubernetes objects: JSON pointers (RFC 6901) and token lists.

A *path* here is a tuple of tokens, ``str`` for mapping keys and ``int`` for list indices,
as jq's ``path()`` produces them. Every other module of the diff package addresses fields
through these helpers: ``ignore`` deletes and copies ignored fields, ``compare`` reports
changed fields as pointers, ``managers`` walks pointers onto managedFields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar, cast

from gitopsd.errors import SpecError

Token = str | int
Path = tuple[Token, ...]

_T = TypeVar("_T")
_MISSING = object()
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def parse_pointer(pointer: str) -> tuple[str, ...]:
    """``/metadata/annotations/a~1b`` -> (``metadata``, ``annotations``, ``a/b``).

    Raises SpecError for a pointer that does not start with ``/`` (``""`` is the root).
    """
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise SpecError(f"invalid JSON pointer {pointer!r}: must start with '/'")
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))


def to_pointer(path: Sequence[Token]) -> str:
    """The RFC 6901 pointer of ``path``."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in path)


def dotted(pointer: str) -> str:
    """A pointer as people write field paths: ``spec.template.spec.containers[0].image``.

    Digit-only tokens are shown as list indices; keys that are not plain identifiers (most
    annotation and label keys) are quoted: ``metadata.annotations["example.com/owner"]``.
    """
    text = ""
    for token in parse_pointer(pointer):
        if token.isdigit():
            text += f"[{token}]"
        elif _PLAIN_KEY.match(token):
            text += f".{token}" if text else token
        else:
            text += f'["{token}"]'
    return text


def resolve(obj: Any, tokens: Sequence[Token]) -> Path | None:
    """The concrete path (list indices as ``int``) of ``tokens`` in ``obj``, or None if absent."""
    path: list[Token] = []
    node = obj
    for token in tokens:
        step = _step(node, token)
        if step is None:
            return None
        path.append(step)
        node = node[step]
    return tuple(path)


def get_at(obj: Any, path: Sequence[Token], default: Any = None) -> Any:
    """The value at ``path`` in ``obj``, or ``default`` when any step is missing."""
    found = _lookup(obj, path)
    return default if found is _MISSING else found


def has_path(obj: Any, path: Sequence[Token]) -> bool:
    return _lookup(obj, path) is not _MISSING


def delete_at(obj: Any, path: Sequence[Token]) -> None:
    """Remove the field or list element at ``path``; a missing path is not an error."""
    if not path:
        return
    parent = _lookup(obj, path[:-1])
    step = _step(parent, path[-1])
    if step is not None:
        del parent[step]


def delete_all(obj: Any, paths: Iterable[Sequence[Token]]) -> None:
    """Remove every path; list elements are removed from the last so indices stay valid."""
    for path in sorted({tuple(p) for p in paths}, key=_sort_key, reverse=True):
        delete_at(obj, path)


def set_at(obj: Any, path: Sequence[Token], value: Any) -> bool:
    """Set ``value`` at ``path``, creating missing mappings on the way. False if impossible.

    A list index past the end appends; a step through a scalar fails.
    """
    if not path:
        return False
    node = obj
    for token in path[:-1]:
        step = _step(node, token)
        if step is None:
            if not isinstance(node, dict) or isinstance(token, int):
                return False
            node[str(token)] = {}
            step = str(token)
        node = node[step]
    return _assign(node, path[-1], value)


def _assign(node: Any, token: Token, value: Any) -> bool:
    if isinstance(node, dict):
        node[str(token)] = value
        return True
    if isinstance(node, list):
        index = _index(node, token, allow_end=True)
        if index is None:
            return False
        if index == len(node):
            node.append(value)
        else:
            node[index] = value
        return True
    return False


def _lookup(obj: Any, path: Sequence[Token]) -> Any:
    node = obj
    for token in path:
        step = _step(node, token)
        if step is None:
            return _MISSING
        node = node[step]
    return node


def _step(node: Any, token: Token) -> Token | None:
    """The key or index ``token`` names in ``node``, or None when it names nothing."""
    if isinstance(node, dict):
        key = str(token)
        return key if key in node else None
    if isinstance(node, list):
        return _index(node, token, allow_end=False)
    return None


def _index(node: list[Any], token: Token, *, allow_end: bool) -> int | None:
    text = str(token)
    if not text.isdigit():
        return None
    index = int(text)
    limit = len(node) + 1 if allow_end else len(node)
    return index if index < limit else None


def _sort_key(path: Path) -> tuple[tuple[int, int, str], ...]:
    # Mixed int/str tokens must sort without comparing an int to a str.
    return tuple((0, t, "") if isinstance(t, int) else (1, 0, t) for t in path)


def clone(value: _T) -> _T:
    """A deep copy of JSON-shaped data (dicts, lists, scalars), much cheaper than deepcopy."""
    return cast(_T, _clone(value))


def _clone(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone(item) for item in value]
    return value
