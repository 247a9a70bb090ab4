"""Application specs: report what gitopsd cannot honour; the spec itself needs no rewrite.

Field names are Argo CD's and gitopsd reads them as they are, so converting an Application
is metadata only (``gitopsd.convert.metadata``); this module walks the spec and reports
fields without effect in gitopsd. Called by ``gitopsd.convert.documents`` for Applications
and for ApplicationSet templates.
"""

from __future__ import annotations

from typing import Any

from gitopsd.convert.results import Report, field_path
from gitopsd.model.annotations import (
    OPT_APPLY_OUT_OF_SYNC_ONLY,
    OPT_CREATE_NAMESPACE,
    OPT_DELETE,
    OPT_FAIL_ON_SHARED,
    OPT_FORCE,
    OPT_PRUNE,
    OPT_PRUNE_LAST,
    OPT_PRUNE_PROPAGATION,
    OPT_REPLACE,
    OPT_RESPECT_IGNORE_DIFFERENCES,
    OPT_SERVER_SIDE_APPLY,
    OPT_SKIP_DRY_RUN_ON_MISSING,
    OPT_VALIDATE,
    parse_options,
)

IGNORED = "not supported by gitopsd; it will be ignored"

SPEC_FIELDS = frozenset(
    {
        "project",
        "source",
        "sources",
        "destination",
        "syncPolicy",
        "ignoreDifferences",
        "revisionHistoryLimit",
        "info",
    }
)
SPEC_MESSAGES = {
    "sourceHydrator": "source hydration is not supported",
}
SOURCE_FIELDS = frozenset(
    {"repoURL", "targetRevision", "path", "chart", "ref", "kustomize", "helm", "directory", "name"}
)
SOURCE_MESSAGES = {
    "plugin": "config management plugins render only when the administrator declares the"
    ' plugin in gitopsd-cm (configManagementPlugins) and sets plugins.enabled: "true";'
    " otherwise the Application gets a ComparisonError",
}
KUSTOMIZE_FIELDS = frozenset(
    {
        "images",
        "namePrefix",
        "nameSuffix",
        "namespace",
        "commonLabels",
        "commonAnnotations",
        "replicas",
        "patches",
        "components",
    }
)
HELM_FIELDS = frozenset(
    {
        "valueFiles",
        "values",
        "valuesObject",
        "parameters",
        "releaseName",
        "skipCrds",
        "ignoreMissingValueFiles",
        "namespace",
        "kubeVersion",
        "apiVersions",
    }
)
HELM_MESSAGES = {
    "fileParameters": "not supported: Helm would read files named by the Application; the"
    " Application is refused (InvalidSpecError)",
    "passCredentials": "not supported: chart repository credentials go only to the"
    " repository's own server; the Application is refused (InvalidSpecError)",
}
# Values that ask for what gitopsd does anyway (it renders with Helm 3).
HELM_DEFAULTS = {"version": "v3"}
DIRECTORY_FIELDS = frozenset({"recurse", "include", "exclude", "jsonnet"})
DIRECTORY_MESSAGES: dict[str, str] = {}
DESTINATION_FIELDS = frozenset({"server", "name", "namespace"})
SYNC_POLICY_FIELDS = frozenset({"automated", "syncOptions", "retry", "managedNamespaceMetadata"})
AUTOMATED_FIELDS = frozenset({"prune", "selfHeal", "allowEmpty"})
RETRY_FIELDS = frozenset({"limit", "backoff"})
BACKOFF_FIELDS = frozenset({"duration", "factor", "maxDuration"})
IGNORE_DIFFERENCE_FIELDS = frozenset(
    {
        "group",
        "kind",
        "name",
        "namespace",
        "jsonPointers",
        "jqPathExpressions",
        "managedFieldsManagers",
    }
)
SYNC_OPTIONS = frozenset(
    {
        OPT_CREATE_NAMESPACE,
        OPT_APPLY_OUT_OF_SYNC_ONLY,
        OPT_SERVER_SIDE_APPLY,
        OPT_REPLACE,
        OPT_FORCE,
        OPT_VALIDATE,
        OPT_SKIP_DRY_RUN_ON_MISSING,
        OPT_FAIL_ON_SHARED,
        OPT_RESPECT_IGNORE_DIFFERENCES,
        OPT_PRUNE,
        OPT_PRUNE_LAST,
        OPT_PRUNE_PROPAGATION,
        OPT_DELETE,
    }
)


def check_application_spec(spec: Any, path: str, report: Report) -> None:
    """Report every field of an Application spec that gitopsd would not honour."""
    if not isinstance(spec, dict):
        return
    check_fields(spec, path, report, SPEC_FIELDS, SPEC_MESSAGES)
    if isinstance(spec.get("source"), dict):
        _check_source(spec["source"], field_path(path, "source"), report)
    for index, source in enumerate(spec.get("sources") or []):
        if isinstance(source, dict):
            _check_source(source, field_path(field_path(path, "sources"), index), report)
    check_fields(
        spec.get("destination"), field_path(path, "destination"), report, DESTINATION_FIELDS
    )
    _check_sync_policy(spec.get("syncPolicy"), field_path(path, "syncPolicy"), report)
    for index, item in enumerate(spec.get("ignoreDifferences") or []):
        item_path = field_path(field_path(path, "ignoreDifferences"), index)
        check_fields(item, item_path, report, IGNORE_DIFFERENCE_FIELDS)


def check_fields(
    raw: Any,
    path: str,
    report: Report,
    known: frozenset[str],
    messages: dict[str, str] | None = None,
    defaults: dict[str, Any] | None = None,
) -> None:
    """Report keys of ``raw`` outside ``known``; ``messages`` explains well-known ones.

    Empty values and values equal to ``defaults`` (gitopsd's own behaviour) are not reported.
    """
    if not isinstance(raw, dict):
        return
    for key, value in raw.items():
        if key in known or _empty(value) or (defaults or {}).get(str(key)) == value:
            continue
        report.warn(field_path(path, str(key)), (messages or {}).get(str(key), IGNORED))


def _empty(value: Any) -> bool:
    # Exported manifests carry empty leftovers (`jsonnet: {}`, `passCredentials: false`);
    # they change nothing, so they are not worth a warning.
    return value is None or value is False or value in ({}, [], "")


def _check_source(source: dict[str, Any], path: str, report: Report) -> None:
    check_fields(source, path, report, SOURCE_FIELDS, SOURCE_MESSAGES)
    if source.get("plugin") == {}:
        # An empty plugin block still asks for plugin discovery: not an empty leftover.
        report.warn(field_path(path, "plugin"), SOURCE_MESSAGES["plugin"])
    check_fields(source.get("kustomize"), field_path(path, "kustomize"), report, KUSTOMIZE_FIELDS)
    check_fields(
        source.get("helm"),
        field_path(path, "helm"),
        report,
        HELM_FIELDS,
        HELM_MESSAGES,
        defaults=HELM_DEFAULTS,
    )
    check_fields(
        source.get("directory"),
        field_path(path, "directory"),
        report,
        DIRECTORY_FIELDS,
        DIRECTORY_MESSAGES,
    )


def _check_sync_policy(policy: Any, path: str, report: Report) -> None:
    if not isinstance(policy, dict):
        return
    check_fields(policy, path, report, SYNC_POLICY_FIELDS)
    check_fields(policy.get("automated"), field_path(path, "automated"), report, AUTOMATED_FIELDS)
    retry = policy.get("retry")
    check_fields(retry, field_path(path, "retry"), report, RETRY_FIELDS)
    if isinstance(retry, dict):
        backoff_path = field_path(field_path(path, "retry"), "backoff")
        check_fields(retry.get("backoff"), backoff_path, report, BACKOFF_FIELDS)
    for index, option in enumerate(policy.get("syncOptions") or []):
        for name in parse_options(str(option)):
            if name not in SYNC_OPTIONS:
                report.warn(
                    field_path(field_path(path, "syncOptions"), index),
                    f"sync option {name} is not supported; the Application will report an "
                    "InvalidSpecError until it is removed",
                )
