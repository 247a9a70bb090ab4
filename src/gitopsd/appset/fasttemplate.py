"""Argo CD's default template mode: ``{{param}}`` substitution (the fasttemplate library).

A tag is the text between ``{{`` and ``}}`` with surrounding spaces trimmed; parameter names
are flat and may contain dots and ``[n]`` (``path[0]``, ``metadata.labels.env``). A tag
naming no parameter is left exactly as written, so later stages (or a matrix's second
generator) can still fill it. Called by :mod:`gitopsd.appset.template`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitopsd.appset.gotemplate.values import go_string
from gitopsd.errors import SpecError


def render(text: str, params: Mapping[str, Any]) -> str:
    out: list[str] = []
    position = 0
    while (start := text.find("{{", position)) >= 0:
        end = text.find("}}", start + 2)
        if end < 0:
            raise SpecError(f"cannot find end tag '}}}}' in template {text!r}")
        out.append(text[position:start])
        tag = text[start + 2 : end]
        key = tag.strip()
        if key and key in params:
            value = params[key]
            out.append(value if isinstance(value, str) else go_string(value))
        else:
            out.append("{{" + tag + "}}")
        position = end + 2
    out.append(text[position:])
    return "".join(out)
