"""Convert parsed Argo CD manifests to gitopsd: the in-memory entry point.

``convert_documents`` takes the documents of one YAML stream and returns converted deep
copies (document and key order kept) with the warnings for every field that could not be
carried over. Only Argo CD's own kinds change group; other ``argoproj.io`` kinds (Argo
Rollouts, Workflows) are left alone. Called by ``gitopsd.convert.files`` and the CLI.
"""

from __future__ import annotations

import copy
from typing import Any

from gitopsd.convert.applications import check_application_spec
from gitopsd.convert.kinds import (
    convert_application_set,
    convert_configmap,
    convert_project,
    convert_secret,
    report_unconverted,
)
from gitopsd.convert.metadata import convert_annotations, convert_finalizers, move_namespace
from gitopsd.convert.results import ConvertResult, ConvertWarning, Report, field_path
from gitopsd.model.annotations import API_VERSION
from gitopsd.model.keys import ResourceKey

ARGOCD_API_VERSION = "argoproj.io/v1alpha1"
ARGOCD_KINDS = frozenset({"Application", "AppProject", "ApplicationSet"})
DEFAULT_NAMESPACE = "gitopsd"


def convert_documents(
    docs: list[Any], *, namespace: str = DEFAULT_NAMESPACE, source: str = ""
) -> ConvertResult:
    """Convert every document of one stream; ``source`` names the file in warnings."""
    documents: list[Any] = []
    warnings: list[ConvertWarning] = []
    for index, doc in enumerate(docs):
        converted, doc_warnings = _convert_document(doc, namespace, source, index)
        documents.append(converted)
        warnings.extend(doc_warnings)
    return ConvertResult(documents=documents, warnings=warnings)


def _convert_document(
    doc: Any, namespace: str, source: str, index: int
) -> tuple[Any, list[ConvertWarning]]:
    if not isinstance(doc, dict):
        return copy.deepcopy(doc), []
    if doc.get("kind") == "List" and isinstance(doc.get("items"), list):
        converted = copy.deepcopy(doc)
        warnings: list[ConvertWarning] = []
        for item_index, item in enumerate(converted["items"]):
            if isinstance(item, dict):
                report = Report(source, index, str(ResourceKey.of(item)))
                _convert_object(item, namespace, report)
                prefix = field_path("items", item_index)
                warnings.extend(_prefixed(w, prefix) for w in report.warnings)
        return converted, warnings
    converted = copy.deepcopy(doc)
    report = Report(source, index, str(ResourceKey.of(doc)))
    _convert_object(converted, namespace, report)
    return converted, report.warnings


def _convert_object(obj: dict[str, Any], namespace: str, report: Report) -> None:
    """Rewrite one object in place, reporting what cannot be carried over."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        convert_annotations(meta, namespace, report)
    kind = obj.get("kind")
    if obj.get("apiVersion") == ARGOCD_API_VERSION and kind in ARGOCD_KINDS:
        _convert_argocd_kind(obj, namespace, report)
    elif obj.get("apiVersion") == "v1" and kind == "Secret":
        if not convert_secret(obj, namespace, report):
            report_unconverted(obj, report)
    elif obj.get("apiVersion") == "v1" and kind == "ConfigMap":
        convert_configmap(obj, namespace, report)
        report_unconverted(obj, report)


def _convert_argocd_kind(obj: dict[str, Any], namespace: str, report: Report) -> None:
    obj["apiVersion"] = API_VERSION
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        _check_application_namespace(obj, meta, namespace, report)
        move_namespace(meta, namespace)
        convert_finalizers(meta, "metadata", report)
    if obj["kind"] == "Application":
        check_application_spec(obj.get("spec"), "spec", report)
    elif obj["kind"] == "AppProject":
        convert_project(obj, report)
    else:
        convert_application_set(obj, namespace, report)


def _check_application_namespace(
    obj: dict[str, Any], meta: dict[str, Any], namespace: str, report: Report
) -> None:
    current = meta.get("namespace")
    if obj["kind"] == "Application" and current not in (None, "argocd", namespace):
        report.warn(
            "metadata.namespace",
            f"gitopsd reads Applications from its own namespace ({namespace}), not {current}",
        )


def _prefixed(warning: ConvertWarning, prefix: str) -> ConvertWarning:
    return ConvertWarning(
        warning.file, warning.index, warning.obj, f"{prefix}.{warning.path}", warning.message
    )
