"""Per-kind rewrites: AppProject, ApplicationSet, Secrets, and Argo CD's ConfigMaps
(``argocd-cm`` to ``gitopsd-cm``, ``argocd-rbac-cm`` to ``gitopsd-rbac-cm``).

Each function takes a deep copy of one object (already moved to gitopsd's namespace and
API group by ``gitopsd.convert.documents``), rewrites it in place and reports what cannot
be carried over.
"""

from __future__ import annotations

import re
from typing import Any

from gitopsd.convert.applications import check_application_spec, check_fields
from gitopsd.convert.metadata import convert_finalizers, move_namespace
from gitopsd.convert.results import Report, field_path, rename_key
from gitopsd.model.annotations import (
    ARGOCD_PREFIX,
    CONFIGMAP_NAME,
    SECRET_TYPE_CLUSTER,
    SECRET_TYPE_LABEL,
    SECRET_TYPE_REPO_CREDS,
    SECRET_TYPE_REPOSITORY,
)

ARGOCD_SECRET_TYPE_LABEL = ARGOCD_PREFIX + "secret-type"
SECRET_TYPES = frozenset({SECRET_TYPE_REPOSITORY, SECRET_TYPE_REPO_CREDS, SECRET_TYPE_CLUSTER})
ARGOCD_CONFIGMAP = "argocd-cm"
ARGOCD_RBAC_CONFIGMAP = "argocd-rbac-cm"
RBAC_CONFIGMAP = "gitopsd-rbac-cm"  # gitopsd server's name for it (keys unchanged)
RBAC_KEYS = ("policy.csv", "policy.default", "policy.matchMode", "scopes")

PROJECT_FIELDS = frozenset(
    {
        "description",
        "sourceRepos",
        "destinations",
        "clusterResourceWhitelist",
        "clusterResourceBlacklist",
        "namespaceResourceWhitelist",
        "namespaceResourceBlacklist",
        "orphanedResources",
        "syncWindows",
        "roles",
    }
)
PROJECT_MESSAGES = {
    "signatureKeys": "commit signature verification is not supported",
    "sourceNamespaces": "Applications are read from gitopsd's namespace only",
    "destinationServiceAccounts": "impersonation is not supported; gitopsd applies with its"
    " own service account",
    "permitOnlyProjectScopedClusters": "project-scoped clusters are not supported",
}
GENERATORS = frozenset({"list", "clusters", "git", "matrix", "merge"})
GENERATOR_FIELDS = GENERATORS | {"selector"}
# gitopsd-cm keys gitopsd reads; a key equal to one or starting with one followed by "."
# is used. Everything else in argocd-cm is reported.
CONFIGMAP_KEYS = (
    "url",
    "oidc.config",
    "accounts",
    "admin.enabled",
    "timeout.reconciliation",
    "timeout.hard.reconciliation",
    "resource.customizations",
    "resource.exclusions",
    "resource.inclusions",
    "resource.compareoptions",
)
# Argo CD ConfigMaps and Secrets that have no gitopsd counterpart.
UNCONVERTED_OBJECTS = {
    "argocd-cmd-params-cm": "gitopsd is configured by the flags of `gitopsd run`",
    "argocd-notifications-cm": "notifications are not supported",
    "argocd-notifications-secret": "notifications are not supported",
    "argocd-secret": "its signing key and password hashes are Argo CD's; gitopsd server"
    " makes its own gitopsd-secret: copy the keys oidc.config references into it",
    "argocd-gpg-keys-cm": "commit signature verification is not supported",
}


def convert_project(obj: dict[str, Any], report: Report) -> None:
    """Project roles carry over as they are (``proj:<project>:<role>`` subjects); tokens
    Argo CD issued for them are signed with Argo CD's key and are reported."""
    spec = obj.get("spec")
    check_fields(spec, "spec", report, PROJECT_FIELDS, PROJECT_MESSAGES)
    roles = spec.get("roles") if isinstance(spec, dict) else None
    for index, role in enumerate(roles if isinstance(roles, list) else []):
        if isinstance(role, dict) and role.get("jwtTokens"):
            report.warn(
                field_path(field_path("spec.roles", index), "jwtTokens"),
                "tokens Argo CD issued do not verify with gitopsd server's key; issue new ones"
                " (POST /api/v1/projects/<project>/roles/<role>/token) and delete these",
            )


def convert_application_set(obj: dict[str, Any], namespace: str, report: Report) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    for index, generator in enumerate(spec.get("generators") or []):
        _check_generator(generator, field_path("spec.generators", index), report)
    template = spec.get("template")
    if not isinstance(template, dict):
        return
    meta = template.get("metadata")
    if isinstance(meta, dict):
        move_namespace(meta, namespace)
        convert_finalizers(meta, "spec.template.metadata", report)
    check_application_spec(template.get("spec"), "spec.template.spec", report)


def convert_secret(obj: dict[str, Any], namespace: str, report: Report) -> bool:
    """Relabel a repository, repo-creds or cluster Secret; False when it is not one."""
    meta = obj.get("metadata") or {}
    labels = meta.get("labels")
    if not isinstance(labels, dict) or ARGOCD_SECRET_TYPE_LABEL not in labels:
        return False
    secret_type = str(labels[ARGOCD_SECRET_TYPE_LABEL])
    meta["labels"] = rename_key(labels, ARGOCD_SECRET_TYPE_LABEL, SECRET_TYPE_LABEL)
    move_namespace(meta, namespace)
    if secret_type not in SECRET_TYPES:
        report.warn(
            field_path("metadata.labels", ARGOCD_SECRET_TYPE_LABEL),
            f"secret type {secret_type} has no gitopsd equivalent",
        )
    return True


def convert_configmap(obj: dict[str, Any], namespace: str, report: Report) -> None:
    """``argocd-cm`` becomes ``gitopsd-cm`` and ``argocd-rbac-cm`` ``gitopsd-rbac-cm``;
    their keys are carried, unused ones reported."""
    meta = obj.get("metadata") or {}
    if meta.get("name") == ARGOCD_RBAC_CONFIGMAP:
        meta["name"] = RBAC_CONFIGMAP
        move_namespace(meta, namespace)
        for key in obj.get("data") or {}:
            if not _rbac_key_used(str(key)):
                report.warn(field_path("data", str(key)), "key is not used by gitopsd server")
        return
    if meta.get("name") != ARGOCD_CONFIGMAP:
        return
    meta["name"] = CONFIGMAP_NAME
    move_namespace(meta, namespace)
    data = obj.get("data") or {}
    for key in data:
        if not _configmap_key_used(str(key)):
            report.warn(field_path("data", str(key)), "key is not used by gitopsd")
    oidc = data.get("oidc.config")
    if isinstance(oidc, str) and re.search(r"\$[A-Za-z0-9.-]+:", oidc):
        report.warn(
            field_path("data", "oidc.config"),
            "the Secrets it references must be labelled app.kubernetes.io/part-of: gitopsd",
        )


def report_unconverted(obj: dict[str, Any], report: Report) -> None:
    """Report Argo CD's own ConfigMaps and Secrets that have no gitopsd counterpart."""
    name = str((obj.get("metadata") or {}).get("name", ""))
    if name in UNCONVERTED_OBJECTS:
        report.warn("metadata.name", f"{name} is not converted: {UNCONVERTED_OBJECTS[name]}")


def _rbac_key_used(key: str) -> bool:
    return key in RBAC_KEYS or (key.startswith("policy.") and key.endswith(".csv"))


def _configmap_key_used(key: str) -> bool:
    return any(key == used or key.startswith(used + ".") for used in CONFIGMAP_KEYS)


def _check_generator(generator: Any, path: str, report: Report) -> None:
    if not isinstance(generator, dict):
        return
    for key, value in generator.items():
        if key not in GENERATOR_FIELDS:
            report.warn(
                field_path(path, str(key)),
                f"the {key} generator is not supported; it generates no Applications",
            )
        elif key in ("matrix", "merge") and isinstance(value, dict):
            nested = field_path(path, str(key))
            for index, child in enumerate(value.get("generators") or []):
                _check_generator(child, field_path(field_path(nested, "generators"), index), report)
