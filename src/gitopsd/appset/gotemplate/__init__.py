"""Go templates for ApplicationSets (``goTemplate: true``): the supported subset.

Argo CD renders every string field of an ApplicationSet template with Go's text/template
plus the Sprig library. gitopsd implements the subset below itself; anything outside it is
rejected with a ``gitopsd.errors.SpecError`` naming the construct (``unsupported template
function 'sha256sum' in {{ .name | sha256sum }}``) rather than rendered differently.
Called by :mod:`gitopsd.appset.template` and the matrix generator. The same text, with
examples, is in ``docs/applicationset-gotemplate.md``.

Syntax
    Text and ``{{ actions }}``; ``{{-`` and ``-}}`` (with a space inside) trim the white
    space before/after; ``{{/* comments */}}``.
    Operands: ``.`` and field chains ``.a.b`` (map keys), variables ``$``, ``$x``, ``$x.a``,
    string literals ``"..."`` (Go escapes) and raw strings in back quotes, integers,
    floats, ``true``, ``false``, ``nil``, parenthesized pipelines ``(...)`` optionally
    followed by ``.a.b``.
    Pipelines: ``cmd | fn args...`` (the piped value is the last argument).
    Variables: ``{{ $x := pipeline }}`` and ``{{ $x = pipeline }}``.
    Actions: ``if``/``else if``/``else``/``end``, ``range`` (lists, maps in key order,
    integers; ``range $i, $v := ...``; ``else``), ``with``/``else``/``end``.
    Not supported: ``define``, ``template``, ``block``, ``break``, ``continue``,
    character constants, methods.

Functions
    Go: ``and or not eq ne lt le gt ge index len print printf`` (``printf`` verbs
    ``%s %v %d %q %t %f %x %%`` with width and precision).
    Sprig/Argo CD: ``lower upper title trim trimPrefix trimSuffix replace trunc quote
    squote default empty coalesce ternary contains hasPrefix hasSuffix join splitList
    toJson toYaml toString normalize b64enc b64dec``.

Missing keys
    ``missingkey=default`` (Argo CD's default; also ``invalid``): a missing key is "no
    value", printed ``<no value>``, false in ``if``, nil to ``default``; a string function
    given it fails. ``missingkey=zero``: nil. ``missingkey=error``: rendering fails with
    ``map has no entry for key "x"``. ApplicationSets should set ``missingkey=error``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from gitopsd.appset.gotemplate.execute import MissingKey, State, execute
from gitopsd.appset.gotemplate.parser import Node, parse
from gitopsd.errors import SpecError

__all__ = ["MissingKey", "missing_key_option", "render"]


def missing_key_option(options: Iterable[str]) -> MissingKey:
    """Parse ``goTemplateOptions``; only ``missingkey=...`` exists (as in Go)."""
    result = MissingKey.DEFAULT
    for option in options:
        key, _, value = str(option).partition("=")
        if key != "missingkey":
            raise SpecError(f"unsupported goTemplateOptions entry {option!r}")
        if value == "invalid":
            value = MissingKey.DEFAULT.value
        if value not in MissingKey.__members__.values():
            raise SpecError(f"unsupported goTemplateOptions entry {option!r}")
        result = MissingKey(value)
    return result


@functools.lru_cache(maxsize=1024)
def _parsed(template: str) -> tuple[Node, ...]:
    return parse(template)


def render(template: str, data: Any, missing_key: MissingKey = MissingKey.DEFAULT) -> str:
    """Render one string. Raises SpecError for unsupported constructs or failed execution."""
    if "{{" not in template:
        return template
    return execute(_parsed(template), State(root=data, missing_key=missing_key))
