"""The ``matrix`` generator: the cartesian product of exactly two child generators.

Before the second child runs, every string in its definition is rendered with each
parameter set of the first (so a Git path can depend on the first child's output). A
pair's parameter sets are combined: in fasttemplate mode a key present in both with
different values is an error; in Go template mode maps merge and the first child wins.
Child ``template`` overrides are ignored, as in Argo CD.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gitopsd.appset.generators.context import GeneratorContext
from gitopsd.appset.params import Params, combine_flat, deep_merge
from gitopsd.errors import SpecError

RunChild = Callable[[dict[str, Any], GeneratorContext], list[Params]]


def generate(body: dict[str, Any], ctx: GeneratorContext, run_child: RunChild) -> list[Params]:
    children = body.get("generators") or []
    if len(children) != 2:
        raise SpecError(f"matrix needs exactly two child generators, found {len(children)}")
    first_child, second_child = (_child(c) for c in children)
    combined: list[Params] = []
    for first in run_child(first_child, ctx):
        second_def = ctx.renderer.value(second_child, first)
        for second in run_child(second_def, ctx):
            combined.append(_combine(first, second, go_template=ctx.renderer.go_template))
    return combined


def _child(child: Any) -> dict[str, Any]:
    if not isinstance(child, dict):
        raise SpecError("matrix child generators must be objects")
    return {k: v for k, v in child.items() if k != "template"}


def _combine(first: Params, second: Params, *, go_template: bool) -> Params:
    if go_template:
        return deep_merge(second, first)
    return combine_flat(first, second)
