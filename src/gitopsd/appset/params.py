"""Building parameter sets: path parameters, flattening, ``values``, merging.

Parameter names and shapes follow Argo CD exactly. In fasttemplate mode a parameter set is
flat (``path.basename``, ``path[0]``, ``values.x``); in Go template mode it is nested
(``.path.basename``, ``index .path.segments 0``, ``.values.x``). Called by the generators.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from typing import Any

from gitopsd.appset.gotemplate.values import go_string
from gitopsd.appset.normalize import sanitize_name
from gitopsd.appset.template import Renderer
from gitopsd.errors import SpecError

Params = dict[str, Any]


def path_params(directory: str, *, prefix: str, go_template: bool, file: str = "") -> Params:
    """Parameters describing ``directory`` (and ``file`` in it, for the files generator)."""
    fields: dict[str, Any] = {
        "path": directory,
        "basename": posixpath.basename(directory),
        "basenameNormalized": sanitize_name(posixpath.basename(directory)),
    }
    if file:
        fields["filename"] = posixpath.basename(file)
        fields["filenameNormalized"] = sanitize_name(posixpath.basename(file))
    if go_template:
        fields["segments"] = directory.split("/")
        return {prefix: {"path": fields}} if prefix else {"path": fields}
    name = f"{prefix}.path" if prefix else "path"
    flat = {(name if key == "path" else f"{name}.{key}"): value for key, value in fields.items()}
    for index, segment in enumerate(directory.split("/")):
        if segment:
            flat[f"{name}[{index}]"] = segment
    return flat


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Nested maps and lists to dotted keys (``a.b``, ``list.0``), leaves as Go prints them."""
    if isinstance(value, dict) and value:
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return out
    if not prefix:
        return {}
    return {prefix: value if isinstance(value, str) else go_string(value)}


def append_values(values: Any, params: Params, renderer: Renderer) -> None:
    """Add a generator's ``values`` to ``params``, each rendered with ``params`` first."""
    if not values:
        return
    if not isinstance(values, dict):
        raise SpecError("values must be a map of strings")
    rendered = {str(k): renderer.string(_scalar(v, k), params) for k, v in values.items()}
    if renderer.go_template:
        params["values"] = rendered
    else:
        params.update({f"values.{k}": v for k, v in rendered.items()})


def _scalar(value: Any, key: Any) -> str:
    if isinstance(value, dict | list):
        raise SpecError(f"values.{key} must be a string")
    return value if isinstance(value, str) else go_string(value)


def combine_flat(first: Params, second: Params) -> Params:
    """Union of two flat parameter sets; the same key with two values is an error."""
    combined = dict(first)
    for key, value in second.items():
        if key in combined and combined[key] != value:
            raise SpecError(
                f"found duplicate key {key} with different value, a: {combined[key]} ,b: {value}"
            )
        combined[key] = value
    return combined


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> Params:
    """``override`` over ``base``, merging nested maps key by key."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def lookup(params: Mapping[str, Any], key: str, *, nested: bool) -> Any:
    """``params[key]``; in Go template mode a dotted key also reaches into nested maps."""
    if key in params or not nested:
        return params.get(key)
    value: Any = params
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def canonical(value: Any) -> str:
    """A stable text form of a parameter value, for merge keys."""
    return json.dumps(value, sort_keys=True, default=str)
