"""Every annotation, label and sync-option string gitopsd reads or writes, in one place.

Annotations are honoured under both prefixes, ``argocd.argoproj.io/`` (so Argo CD manifests
work unchanged) and ``gitopsd.io/``; when both are set, the gitopsd one wins.
"""

from __future__ import annotations

from typing import Any

GROUP = "gitopsd.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"

ARGOCD_PREFIX = "argocd.argoproj.io/"
GITOPSD_PREFIX = "gitopsd.io/"

# Annotation names without prefix.
SYNC_WAVE = "sync-wave"
HOOK = "hook"
HOOK_DELETE_POLICY = "hook-delete-policy"
SYNC_OPTIONS = "sync-options"
COMPARE_OPTIONS = "compare-options"
REFRESH = "refresh"
# gitopsd's own: how long a hook may run (Go-style duration, default 10m), and a request
# on the Application to terminate its running operation.
HOOK_TIMEOUT = "hook-timeout"
TERMINATE_OPERATION_ANNOTATION = "gitopsd.io/terminate-operation"

# Written by gitopsd on every managed object. The label is our own rather than Argo CD's
# default ``app.kubernetes.io/instance``, which Helm charts set themselves and so collides.
TRACKING_LABEL = "gitopsd.io/app"
TRACKING_ID_ANNOTATION = GITOPSD_PREFIX + "tracking-id"
# Argo CD's, read where any application's ownership counts (shared resources, orphans).
ARGOCD_TRACKING_ID_ANNOTATION = ARGOCD_PREFIX + "tracking-id"
# Prune=confirm approval: set to an RFC 3339 timestamp on the Application.
PRUNE_CONFIRM_ANNOTATION = "gitopsd.io/prune-confirmed-at"

FIELD_MANAGER = "gitopsd"

RESOURCES_FINALIZER = "resources-finalizer.gitopsd.io"
ARGOCD_RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"
BACKGROUND_FINALIZER_SUFFIX = "/background"
FOREGROUND_FINALIZER_SUFFIX = "/foreground"

SECRET_TYPE_LABEL = "gitopsd.io/secret-type"
SECRET_TYPE_REPOSITORY = "repository"
SECRET_TYPE_REPO_CREDS = "repo-creds"
SECRET_TYPE_CLUSTER = "cluster"

CONFIGMAP_NAME = "gitopsd-cm"
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"

# Sync options (app-level in syncPolicy.syncOptions, per object in the sync-options annotation).
OPT_CREATE_NAMESPACE = "CreateNamespace"
OPT_APPLY_OUT_OF_SYNC_ONLY = "ApplyOutOfSyncOnly"
OPT_SERVER_SIDE_APPLY = "ServerSideApply"
OPT_REPLACE = "Replace"
OPT_FORCE = "Force"
OPT_VALIDATE = "Validate"
OPT_SKIP_DRY_RUN_ON_MISSING = "SkipDryRunOnMissingResource"
OPT_FAIL_ON_SHARED = "FailOnSharedResource"
OPT_RESPECT_IGNORE_DIFFERENCES = "RespectIgnoreDifferences"
OPT_PRUNE = "Prune"
OPT_PRUNE_LAST = "PruneLast"
OPT_PRUNE_PROPAGATION = "PrunePropagationPolicy"
OPT_DELETE = "Delete"

# Compare options.
CMP_IGNORE_EXTRANEOUS = "IgnoreExtraneous"


def annotation(obj: dict[str, Any], name: str) -> str | None:
    """The value of annotation ``name`` under either prefix (gitopsd's wins), or None."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(GITOPSD_PREFIX + name)
    if value is None:
        value = annotations.get(ARGOCD_PREFIX + name)
    return None if value is None else str(value)


def parse_options(value: str | None) -> dict[str, str]:
    """Parse ``"Prune=false,Replace=true"`` into ``{"Prune": "false", "Replace": "true"}``."""
    options: dict[str, str] = {}
    if not value:
        return options
    for item in value.split(","):
        key, sep, val = item.strip().partition("=")
        if key:
            options[key.strip()] = val.strip() if sep else "true"
    return options


def options_from_list(items: list[str] | None) -> dict[str, str]:
    """Parse ``syncPolicy.syncOptions`` (a list of ``Key=value`` strings)."""
    return parse_options(",".join(items or []))
