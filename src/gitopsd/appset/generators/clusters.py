"""The ``clusters`` generator: one parameter set per registered cluster a selector matches.

Parameters (Argo CD's names): ``name``, ``nameNormalized``, ``server``, ``project``, and
the cluster Secret's labels and annotations, as ``metadata.labels.<key>`` /
``metadata.annotations.<key>`` in fasttemplate mode or ``.metadata.labels`` maps in Go
template mode; then the generator's ``values``. The local cluster takes part without a
Secret (and so without labels) only when the selector is empty, as in Argo CD.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gitopsd.appset import selector
from gitopsd.appset.generators.context import GeneratorContext
from gitopsd.appset.normalize import sanitize_name
from gitopsd.appset.params import Params, append_values
from gitopsd.appset.ports import LOCAL_CLUSTER, ClusterInfo


def generate(body: dict[str, Any], ctx: GeneratorContext) -> list[Params]:
    wanted = body.get("selector") or {}
    selector.validate(wanted)
    registered = sorted(ctx.clusters(), key=lambda c: (c.name, c.server))
    found: list[Params] = []
    if selector.is_empty(wanted) and not any(c.is_local for c in registered):
        found.append(_local_params())
    for cluster in _matching(registered, wanted):
        found.append(_params(cluster, go_template=ctx.renderer.go_template))
    for params in found:
        append_values(body.get("values"), params, ctx.renderer)
    return found


def _matching(clusters: Sequence[ClusterInfo], wanted: dict[str, Any]) -> list[ClusterInfo]:
    return [c for c in clusters if selector.matches(wanted, c.labels)]


def _local_params() -> Params:
    # Argo CD does not normalise the local cluster's name (it is already valid).
    return {
        "name": LOCAL_CLUSTER.name,
        "nameNormalized": LOCAL_CLUSTER.name,
        "server": LOCAL_CLUSTER.server,
        "project": "",
    }


def _params(cluster: ClusterInfo, *, go_template: bool) -> Params:
    params: Params = {
        "name": cluster.name,
        "nameNormalized": sanitize_name(cluster.name),
        "server": cluster.server,
        "project": cluster.project,
    }
    if go_template:
        metadata: dict[str, Any] = {}
        if cluster.annotations:
            metadata["annotations"] = dict(cluster.annotations)
        if cluster.labels:
            metadata["labels"] = dict(cluster.labels)
        params["metadata"] = metadata
        return params
    params.update({f"metadata.annotations.{k}": v for k, v in cluster.annotations.items()})
    params.update({f"metadata.labels.{k}": v for k, v in cluster.labels.items()})
    return params
