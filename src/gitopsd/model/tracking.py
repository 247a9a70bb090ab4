"""Tracking ids, written and read in one place.

A managed object's ``gitopsd.io/tracking-id`` annotation names its owner and its own
identity in Argo CD's annotation format, ``<app-namespace>_<app-name>:<group>/<kind>:
<namespace>/<name>``, so a copied label alone never makes an object an application's.
:func:`tracking_id` writes one, :func:`parse_tracking_id` reads one, and
:func:`tracking_id_of` / :func:`any_tracking_id_of` read the annotation from an object.
Called by the desired set (stamping), pruning and deletion (ownership), the comparison
(shared resources), hooks (name taken), project checks, orphans and ApplicationSets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitopsd.model.annotations import ARGOCD_TRACKING_ID_ANNOTATION, TRACKING_ID_ANNOTATION
from gitopsd.model.keys import ResourceKey


@dataclass(frozen=True)
class TrackingId:
    """Whose object this is (the Application) and which object it is."""

    app_namespace: str
    app_name: str
    key: ResourceKey

    def __str__(self) -> str:
        key = self.key
        return (
            f"{self.app_namespace}_{self.app_name}:"
            f"{key.group}/{key.kind}:{key.namespace}/{key.name}"
        )

    @property
    def application(self) -> str:
        """``namespace/name`` of the owning Application."""
        return f"{self.app_namespace}/{self.app_name}"


def tracking_id(app_namespace: str, app_name: str, key: ResourceKey) -> str:
    """The annotation value that marks ``key`` as this Application's."""
    return str(TrackingId(app_namespace, app_name, key))


def parse_tracking_id(value: str) -> TrackingId:
    """Read a tracking id. Raises ValueError when it is not one."""
    app_part, colon, rest = value.partition(":")
    gk_part, colon2, nn_part = rest.partition(":")
    app_namespace, _, app_name = app_part.partition("_")
    group, _, kind = gk_part.partition("/")
    namespace, _, name = nn_part.partition("/")
    if not (colon and colon2 and app_name and kind and name):
        raise ValueError(f"malformed tracking id {value!r}")
    return TrackingId(app_namespace, app_name, ResourceKey(group, kind, namespace, name))


def tracking_id_of(obj: Mapping[str, Any]) -> str | None:
    """The object's ``gitopsd.io/tracking-id``, or None."""
    value = _annotations(obj).get(TRACKING_ID_ANNOTATION)
    return None if value is None else str(value)


def any_tracking_id_of(obj: Mapping[str, Any]) -> str | None:
    """gitopsd's tracking id, else Argo CD's (``argocd.argoproj.io/tracking-id``), or None:
    an object either tool tracks belongs to some application."""
    annotations = _annotations(obj)
    value = annotations.get(TRACKING_ID_ANNOTATION) or annotations.get(
        ARGOCD_TRACKING_ID_ANNOTATION
    )
    return None if value is None else str(value)


def _annotations(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return annotations if isinstance(annotations, Mapping) else {}
