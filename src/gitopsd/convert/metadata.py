"""Rewrites of object metadata shared by every kind: namespace, finalizers, annotations.

Called by ``gitopsd.convert.documents`` for every document and by the per-kind converters
for the metadata of ApplicationSet templates.
"""

from __future__ import annotations

from typing import Any

from gitopsd.convert.results import Report, field_path, rename_key
from gitopsd.model.annotations import (
    ARGOCD_PREFIX,
    ARGOCD_TRACKING_ID_ANNOTATION,
    COMPARE_OPTIONS,
    HOOK,
    HOOK_DELETE_POLICY,
    REFRESH,
    SYNC_OPTIONS,
    SYNC_WAVE,
    TRACKING_ID_ANNOTATION,
)
from gitopsd.model.finalizers import current_name, is_resources_finalizer

ARGOCD_NAMESPACE = "argocd"
# Honoured under Argo CD's prefix as they are, so left alone.
HONOURED_ANNOTATIONS = frozenset(
    ARGOCD_PREFIX + name
    for name in (SYNC_WAVE, HOOK, HOOK_DELETE_POLICY, SYNC_OPTIONS, COMPARE_OPTIONS, REFRESH)
)
_FOREIGN_ANNOTATIONS = {
    "notifications.argoproj.io/": "notifications are not supported",
    "argocd-image-updater.argoproj.io/": "Argo CD Image Updater annotations have no effect",
}


def move_namespace(meta: dict[str, Any], namespace: str) -> None:
    """Objects in Argo CD's ``argocd`` namespace move to gitopsd's namespace."""
    if meta.get("namespace") == ARGOCD_NAMESPACE:
        meta["namespace"] = namespace


def convert_finalizers(meta: dict[str, Any], path: str, report: Report) -> None:
    """``resources-finalizer.argocd.argoproj.io[/background|/foreground]`` -> gitopsd's
    ``gitopsd.io/resources-finalizer[-background|-foreground]``."""
    finalizers = meta.get("finalizers")
    if not isinstance(finalizers, list):
        return
    converted = []
    for index, name in enumerate(finalizers):
        text = str(name)
        if is_resources_finalizer(text):
            text = current_name(text)
        elif "argocd.argoproj.io" in text:
            report.warn(
                field_path(field_path(path, "finalizers"), index),
                f"finalizer {text} has no gitopsd equivalent",
            )
        converted.append(text)
    meta["finalizers"] = converted


def convert_annotations(meta: dict[str, Any], namespace: str, report: Report) -> None:
    """Rename the tracking-id annotation; report Argo CD annotations gitopsd does not read."""
    annotations = meta.get("annotations")
    if not isinstance(annotations, dict):
        return
    if ARGOCD_TRACKING_ID_ANNOTATION in annotations:
        annotations = rename_key(annotations, ARGOCD_TRACKING_ID_ANNOTATION, TRACKING_ID_ANNOTATION)
        value = annotations[TRACKING_ID_ANNOTATION]
        annotations[TRACKING_ID_ANNOTATION] = convert_tracking_id(str(value), namespace)
        meta["annotations"] = annotations
    for key in annotations:
        message = _unused_annotation(str(key))
        if message:
            report.warn(field_path("metadata.annotations", str(key)), message)


def convert_tracking_id(value: str, namespace: str) -> str:
    """Qualify the app with gitopsd's namespace where Argo CD left it implicit.

    Argo CD writes ``<app>:<group>/<kind>:<ns>/<name>`` for applications in its own
    namespace and ``<app-ns>_<app>:...`` otherwise; gitopsd always qualifies the app, and
    applications in ``argocd`` move to ``namespace``. Values it cannot parse are kept.
    """
    app, sep, rest = value.partition(":")
    if not sep or not app:
        return value
    app_namespace, underscore, app_name = app.partition("_")
    if not underscore:
        return f"{namespace}_{app}:{rest}"
    if app_namespace == ARGOCD_NAMESPACE:
        return f"{namespace}_{app_name}:{rest}"
    return value


def _unused_annotation(key: str) -> str | None:
    for prefix, message in _FOREIGN_ANNOTATIONS.items():
        if key.startswith(prefix):
            return message
    if key.startswith(ARGOCD_PREFIX) and key not in HONOURED_ANNOTATIONS:
        return "annotation is not read by gitopsd"
    return None
