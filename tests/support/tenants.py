"""Helpers for tenancy attacks: a tenant's AppProject and Application, the files it pushes,
and waits on the conditions that say an attack was refused. Every wait has a timeout and
names what it waited for."""

from __future__ import annotations

from typing import Any

import yaml

from tests.support.appsets import APPS, IN_CLUSTER, condition, status_of
from tests.support.kube import Kubectl

GROUP_VERSION = "gitopsd.io/v1alpha1"


def project_manifest(name: str, namespace: str, **spec: Any) -> str:
    """An AppProject that may read every repository, with ``spec`` on top."""
    body = {
        "apiVersion": GROUP_VERSION,
        "kind": "AppProject",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"sourceRepos": ["*"], **spec},
    }
    return yaml.safe_dump(body, sort_keys=False)


def destinations(*namespaces: str) -> list[dict[str, str]]:
    return [{"server": IN_CLUSTER, "namespace": ns} for ns in namespaces]


def application_body(
    name: str,
    namespace: str,
    repo_url: str,
    path: str,
    *,
    project: str,
    destination: str,
    automated: bool = True,
    finalizer: bool = False,
) -> dict[str, Any]:
    """An Application over a plain directory of ``repo_url``, syncing automatically."""
    sync_policy: dict[str, Any] = {}
    if automated:
        sync_policy["automated"] = {"prune": True, "selfHeal": True}
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if finalizer:
        metadata["finalizers"] = ["gitopsd.io/resources-finalizer"]
    return {
        "apiVersion": GROUP_VERSION,
        "kind": "Application",
        "metadata": metadata,
        "spec": {
            "project": project,
            "source": {"repoURL": repo_url, "targetRevision": "main", "path": path},
            "destination": {"server": IN_CLUSTER, "namespace": destination},
            "syncPolicy": sync_policy,
        },
    }


def application(*args: Any, **kwargs: Any) -> str:
    return yaml.safe_dump(application_body(*args, **kwargs), sort_keys=False)


def docs(*objects: dict[str, Any]) -> str:
    """Several objects as one multi-document YAML file."""
    return yaml.safe_dump_all(objects, sort_keys=False)


def wait_condition(
    kubectl: Kubectl, namespace: str, app: str, condition_type: str, naming: str
) -> str:
    """The message of ``app``'s ``condition_type`` condition once it mentions ``naming``."""

    def message() -> str:
        found = condition(status_of(kubectl, APPS, namespace, app), condition_type)
        text = str(found.get("message") or "")
        return text if naming in text else ""

    found: str = kubectl.wait_for(
        message, timeout=90, what=f"{app}: a {condition_type} condition naming {naming!r}"
    )
    return found


def wait_operation(
    kubectl: Kubectl, namespace: str, app: str, revision: str, phase: str = "Succeeded"
) -> dict[str, Any]:
    """``app``'s operation state once a sync to ``revision`` ended in ``phase``."""

    def finished() -> dict[str, Any] | None:
        state = status_of(kubectl, APPS, namespace, app).get("operationState") or {}
        result = state.get("syncResult") or {}
        if state.get("phase") == phase and result.get("revision") == revision:
            return dict(state)
        return None

    found: dict[str, Any] = kubectl.wait_for(
        finished, timeout=90, what=f"{app}: a {phase} sync to {revision[:7]}"
    )
    return found


def tracking_marks(obj: dict[str, Any] | None) -> dict[str, str]:
    """gitopsd's labels and annotations on a live object (empty: never touched by us)."""
    metadata = (obj or {}).get("metadata") or {}
    marks = {**(metadata.get("labels") or {}), **(metadata.get("annotations") or {})}
    return {k: str(v) for k, v in marks.items() if k.startswith("gitopsd.io/")}
