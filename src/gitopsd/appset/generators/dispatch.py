"""Running one generator entry: pick its kind, generate, apply its ``selector``."""

from __future__ import annotations

from typing import Any

from gitopsd.appset import selector
from gitopsd.appset.generators import clusters as clusters_generator
from gitopsd.appset.generators import git as git_generator
from gitopsd.appset.generators import list_elements as list_generator
from gitopsd.appset.generators import matrix as matrix_generator
from gitopsd.appset.generators import merge as merge_generator
from gitopsd.appset.generators.context import GeneratorContext
from gitopsd.appset.params import Params, flatten
from gitopsd.appset.vocab import GeneratorKind
from gitopsd.errors import SpecError

# Argo CD generators gitopsd does not implement; named in the error so users know why.
_UNSUPPORTED = (
    "scmProvider",
    "pullRequest",
    "clusterDecisionResource",
    "plugin",
)


def generator_kind(entry: dict[str, Any]) -> GeneratorKind:
    """The one generator kind an entry holds (``selector``/``template`` aside)."""
    kinds = [k for k in entry if k in GeneratorKind.__members__.values()]
    unsupported = sorted(k for k in entry if k in _UNSUPPORTED)
    if unsupported:
        raise SpecError(f"unsupported generator '{unsupported[0]}'")
    if len(kinds) != 1:
        found = ", ".join(sorted(entry)) or "nothing"
        raise SpecError(f"a generator entry needs exactly one generator, found: {found}")
    return GeneratorKind(kinds[0])


def generate_params(entry: dict[str, Any], ctx: GeneratorContext) -> list[Params]:
    kind = generator_kind(entry)
    body = entry[kind.value]
    if not isinstance(body, dict):
        raise SpecError(f"generator {kind.value} must be an object")
    try:
        found = _run(kind, body, ctx)
    except SpecError as error:
        raise SpecError(f"{kind.value} generator: {error}") from error
    return _select(found, entry.get("selector"))


def _run(kind: GeneratorKind, body: dict[str, Any], ctx: GeneratorContext) -> list[Params]:
    if kind == GeneratorKind.LIST:
        return list_generator.generate(body, ctx)
    if kind == GeneratorKind.CLUSTERS:
        return clusters_generator.generate(body, ctx)
    if kind == GeneratorKind.GIT:
        return git_generator.generate(body, ctx)
    if kind == GeneratorKind.MATRIX:
        return matrix_generator.generate(body, ctx, generate_params)
    return merge_generator.generate(body, ctx, generate_params)


def _select(found: list[Params], post_filter: Any) -> list[Params]:
    selector.validate(post_filter)
    if selector.is_empty(post_filter):
        return found
    return [p for p in found if selector.matches(post_filter, flatten(p))]
