"""Rendering an ApplicationSet template (or any raw structure) with one parameter set.

Every string in the structure is rendered, mapping keys included, in the ApplicationSet's
mode: fasttemplate (default) or Go templates (``goTemplate: true``). Non-string values pass
through untouched. Also merges a generator's ``template`` override over the spec template.
Called by :mod:`gitopsd.appset.generate` and the generators.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitopsd.appset import fasttemplate, gotemplate
from gitopsd.appset.gotemplate import MissingKey


@dataclass(frozen=True)
class Renderer:
    """How strings are templated for one ApplicationSet."""

    go_template: bool = False
    missing_key: MissingKey = MissingKey.DEFAULT

    def string(self, text: str, params: Mapping[str, Any]) -> str:
        if self.go_template:
            return gotemplate.render(text, params, self.missing_key)
        return fasttemplate.render(text, params)

    def value(self, value: Any, params: Mapping[str, Any]) -> Any:
        """A copy of ``value`` with every string (keys included) rendered."""
        if isinstance(value, str):
            return self.string(value, params)
        if isinstance(value, dict):
            return {self.string(str(k), params): self.value(v, params) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, params) for v in value]
        return copy.deepcopy(value)


def _is_empty(value: Any) -> bool:
    return value is None or value is False or value in ("", {}, [])


def merge_template(override: Any, base: Any) -> Any:
    """``override`` over ``base``: set (non-empty) values in ``override`` win, maps merge.

    Mirrors how Argo CD merges a generator's ``template`` into ``spec.template``.
    """
    if isinstance(override, dict) and isinstance(base, dict):
        merged = copy.deepcopy(base)
        for key, value in override.items():
            merged[key] = merge_template(value, base.get(key)) if key in base else value
        return merged
    return copy.deepcopy(base if _is_empty(override) else override)
