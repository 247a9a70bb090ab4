"""The ``list`` generator: one parameter set per element (``elements`` or ``elementsYaml``).

In fasttemplate mode, string values pass as they are, other values as JSON, and an
element's ``values`` map becomes ``values.<key>`` parameters; in Go template mode each
element is the parameter set unchanged.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from gitopsd.appset.generators.context import GeneratorContext
from gitopsd.appset.params import Params
from gitopsd.errors import SpecError
from gitopsd.model.yaml_loader import YAMLError, load_yaml


def generate(body: dict[str, Any], ctx: GeneratorContext) -> list[Params]:
    elements = _elements(body)
    if ctx.renderer.go_template:
        return [copy.deepcopy(e) for e in elements]
    return [_flat(e) for e in elements]


def _elements(body: dict[str, Any]) -> list[dict[str, Any]]:
    elements = list(body.get("elements") or [])
    text = body.get("elementsYaml")
    if text:
        try:
            extra = load_yaml(str(text))
        except YAMLError as error:
            raise SpecError(f"elementsYaml is not valid YAML: {error}") from error
        if not isinstance(extra, list):
            raise SpecError("elementsYaml must be a YAML list")
        elements.extend(extra)
    for index, element in enumerate(elements):
        if not isinstance(element, dict):
            raise SpecError(f"elements[{index}] must be an object")
    return elements


def _flat(element: dict[str, Any]) -> Params:
    params: Params = {}
    for key, value in element.items():
        if key == "values" and isinstance(value, dict):
            for name, item in value.items():
                if not isinstance(item, str):
                    raise SpecError(f"values.{name} must be a string")
                params[f"values.{name}"] = item
        elif isinstance(value, str):
            params[str(key)] = value
        else:
            params[str(key)] = json.dumps(value, separators=(",", ":"), sort_keys=True)
    return params
