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
# On every hook gitopsd creates: the id of the operation that created it.
SYNC_ID_ANNOTATION = GITOPSD_PREFIX + "sync-id"
# Argo CD's paths whose change refreshes the Application on a push (either prefix).
MANIFEST_GENERATE_PATHS = "manifest-generate-paths"
# A Pod with this annotation "true" (either prefix) is judged as if it restarted forever.
IGNORE_RESTART_POLICY = "ignore-restart-policy"
# ``operation.info[]`` entry naming the request that wrote an operation (CLI, server).
REQUEST_INFO = GITOPSD_PREFIX + "request-id"
# Argo CD's names ``gitopsd convert`` renames or leaves alone.
ARGOCD_SECRET_TYPE_LABEL = ARGOCD_PREFIX + "secret-type"
ARGOCD_HYDRATE = ARGOCD_PREFIX + "hydrate"
NOTIFIED_ANNOTATION = "notified.notifications.argoproj.io"

FIELD_MANAGER = "gitopsd"

# The resources finalizer: deleting the Application deletes its resources first. Written
# domain-qualified with a path, as the API server wants finalizer names (one ``/`` at most,
# so the propagation variants are suffixes of the name); read under every name below.
RESOURCES_FINALIZER = GITOPSD_PREFIX + "resources-finalizer"
RESOURCES_FINALIZER_BACKGROUND = RESOURCES_FINALIZER + "-background"
RESOURCES_FINALIZER_FOREGROUND = RESOURCES_FINALIZER + "-foreground"
# Earlier gitopsd releases' name and Argo CD's, each with optional ``/background`` or
# ``/foreground``: still honoured, never written.
LEGACY_RESOURCES_FINALIZER = "resources-finalizer.gitopsd.io"
ARGOCD_RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"
BACKGROUND_FINALIZER_SUFFIX = "/background"
FOREGROUND_FINALIZER_SUFFIX = "/foreground"
# Hooks carrying one of these are kept until their result has been read (Argo CD's name
# and the same under gitopsd's prefix).
HOOK_FINALIZERS = frozenset({ARGOCD_PREFIX + "hook-finalizer", GITOPSD_PREFIX + "hook-finalizer"})

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
