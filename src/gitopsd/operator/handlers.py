"""kopf wiring: the handlers only translate events into queue entries and cache updates.

Applications, AppProjects, ApplicationSets, cluster and repository Secrets and the
gitopsd-cm ConfigMap are watched in the controller's namespace. Applications in the other
namespaces ``application.namespaces`` enables are watched by
``operator.app_namespaces.ApplicationWatcher`` (kopf's namespaces would apply to every
resource, Secrets included). Reconciliation itself happens in the controller's worker
threads.
"""

from __future__ import annotations

import logging
from typing import Any

import kopf

from gitopsd.errors import GitopsdError
from gitopsd.model.annotations import (
    CONFIGMAP_NAME,
    SECRET_TYPE_CLUSTER,
    SECRET_TYPE_LABEL,
    SECRET_TYPE_REPO_CREDS,
    SECRET_TYPE_REPOSITORY,
)
from gitopsd.operator.runtime import Runtime

log = logging.getLogger(__name__)


def register(runtime: Runtime, registry: kopf.OperatorRegistry) -> None:
    """Register every handler on ``registry`` bound to ``runtime``."""

    @kopf.on.startup(registry=registry)
    def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        settings.posting.level = logging.WARNING
        settings.watching.server_timeout = 300
        settings.watching.client_timeout = 330
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(
            prefix="kopf.gitopsd.io"
        )
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
            prefix="kopf.gitopsd.io", key="last-handled-configuration"
        )
        # kopf's peering is off: by default kopf looks for a KopfPeering named "default"
        # and, if one exists, pauses this operator whenever a peer with a higher priority
        # is alive. gitopsd's one way to run several replicas is sharding over Leases.
        settings.peering.standalone = True
        settings.peering.mandatory = False
        runtime.start()

    @kopf.on.login(registry=registry)
    def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
        # The kubernetes client's own loading: KUBECONFIG, or the in-cluster account.
        return kopf.login_via_client(**kwargs)

    @kopf.on.cleanup(registry=registry)
    def cleanup(**_: Any) -> None:
        runtime.stop()

    # Applications are not watched through kopf: see operator/app_namespaces.py (metadata
    # only, the control plane's namespace and the enabled ones alike).

    @kopf.on.event("gitopsd.io", "v1alpha1", "applicationsets", registry=registry)
    def applicationset_event(event: kopf.RawEvent, **_: Any) -> None:
        runtime.appsets.on_event(event.get("type"), dict(event.get("object") or {}))

    @kopf.on.event("gitopsd.io", "v1alpha1", "appprojects", registry=registry)
    def project_event(event: kopf.RawEvent, **_: Any) -> None:
        body: dict[str, Any] = dict(event.get("object") or {})
        meta: dict[str, Any] = body.get("metadata") or {}
        if event.get("type") == "DELETED":
            runtime.env.remove_project(str(meta.get("namespace")), str(meta.get("name")))
        else:
            try:
                runtime.env.upsert_project(body)
            except GitopsdError as error:
                log.warning("AppProject %s: %s", meta.get("name"), error)
        runtime.requeue_all()

    @kopf.on.event("", "v1", "secrets", labels={SECRET_TYPE_LABEL: kopf.PRESENT}, registry=registry)
    def secret_event(event: kopf.RawEvent, **_: Any) -> None:
        body: dict[str, Any] = dict(event.get("object") or {})
        meta: dict[str, Any] = body.get("metadata") or {}
        kind = (meta.get("labels") or {}).get(SECRET_TYPE_LABEL)
        deleted = event.get("type") == "DELETED"
        if kind == SECRET_TYPE_CLUSTER:
            runtime.cluster_secret(body, deleted=deleted)
        elif kind in (SECRET_TYPE_REPOSITORY, SECRET_TYPE_REPO_CREDS):
            runtime.repo_secret(body, deleted=deleted)

    @kopf.on.event(
        "", "v1", "configmaps", field="metadata.name", value=CONFIGMAP_NAME, registry=registry
    )
    def configmap_event(event: kopf.RawEvent, **_: Any) -> None:
        body: dict[str, Any] = dict(event.get("object") or {})
        runtime.configure_from(None if event.get("type") == "DELETED" else body)
