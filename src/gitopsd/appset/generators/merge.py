"""The ``merge`` generator: the first child's parameter sets, overridden by later children.

Later parameter sets override the base sets that have the same values for every key in
``mergeKeys``; base sets no later set matches are kept as they are, later sets matching no
base set are dropped. Base sets may repeat a merge key; later children may not (as in Argo
CD). In Go template mode a merge key may be dotted (``values.selector``) and maps merge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gitopsd.appset.generators.context import GeneratorContext
from gitopsd.appset.params import Params, canonical, deep_merge, lookup
from gitopsd.errors import SpecError

RunChild = Callable[[dict[str, Any], GeneratorContext], list[Params]]


def generate(body: dict[str, Any], ctx: GeneratorContext, run_child: RunChild) -> list[Params]:
    children = body.get("generators") or []
    if len(children) < 2:
        raise SpecError("merge needs two or more child generators")
    keys = sorted({str(k) for k in body.get("mergeKeys") or []})
    if not keys:
        raise SpecError("no merge keys were specified, merge requires at least one")
    nested = ctx.renderer.go_template
    results = [run_child(_child(c), ctx) for c in children]
    merged = [dict(p) for p in results[0]]
    for overrides in results[1:]:
        by_key = _unique_by_key(overrides, keys, nested=nested)
        for index, base in enumerate(merged):
            override = by_key.get(_key(base, keys, nested=nested))
            if override is not None:
                merged[index] = deep_merge(base, override) if nested else {**base, **override}
    return merged


def _child(child: Any) -> dict[str, Any]:
    if not isinstance(child, dict):
        raise SpecError("merge child generators must be objects")
    return {k: v for k, v in child.items() if k != "template"}


def _key(params: Params, keys: list[str], *, nested: bool) -> str:
    return canonical({k: lookup(params, k, nested=nested) for k in keys})


def _unique_by_key(found: list[Params], keys: list[str], *, nested: bool) -> dict[str, Params]:
    by_key: dict[str, Params] = {}
    for params in found:
        key = _key(params, keys, nested=nested)
        if key in by_key:
            raise SpecError(
                "the parameters from a generator were not unique by the given mergeKeys, "
                f"merge requires all param sets to be unique; duplicate key was {key}"
            )
        by_key[key] = params
    return by_key
