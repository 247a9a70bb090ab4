"""What to do with each Application, given what was generated and what exists.

A pure function of the generated bodies, the existing Applications the ApplicationSet owns
and the effective ``applicationsSync`` policy:

=================  ======  ======  ======
policy             create  update  delete
=================  ======  ======  ======
``create-only``    yes     no      no
``create-update``  yes     yes     no
``create-delete``  yes     no      yes
``sync``           yes     yes     yes
=================  ======  ======  ======

An update replaces ``spec``, ``labels``, ``annotations`` and ``finalizers`` with the
generated ones, keeping the preserved annotation and label keys (refresh requests and
``spec.preservedFields``) from the live object, as Argo CD does. Called by
:mod:`gitopsd.appset.reconcile`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitopsd.appset.manifest import AppSetSpec
from gitopsd.appset.vocab import ActionVerb, ApplicationsSync
from gitopsd.model.annotations import (
    ARGOCD_HYDRATE,
    ARGOCD_PREFIX,
    GITOPSD_PREFIX,
    NOTIFIED_ANNOTATION,
    PRUNE_CONFIRM_ANNOTATION,
    REFRESH,
)
from gitopsd.model.keys import ResourceKey

# Annotations users and tools set on a live Application that regeneration must not wipe.
DEFAULT_PRESERVED_ANNOTATIONS: tuple[str, ...] = (
    ARGOCD_PREFIX + REFRESH,
    GITOPSD_PREFIX + REFRESH,
    ARGOCD_HYDRATE,
    NOTIFIED_ANNOTATION,
    PRUNE_CONFIRM_ANNOTATION,
)


@dataclass(frozen=True)
class PolicyOptions:
    """Controller-wide settings, as Argo CD's ``--policy`` and ``--enable-policy-override``.

    ``controller_policy`` None means "not set" (``sync``). ``allow_policy_override`` None
    means the default: an ApplicationSet may choose its policy only when the controller
    sets none.
    """

    controller_policy: ApplicationsSync | None = None
    allow_policy_override: bool | None = None


def effective_policy(appset: AppSetSpec, options: PolicyOptions) -> ApplicationsSync:
    allow_override = options.allow_policy_override
    if allow_override is None:
        allow_override = options.controller_policy is None
    if allow_override and appset.applications_sync is not None:
        return appset.applications_sync
    return options.controller_policy or ApplicationsSync.SYNC


@dataclass(frozen=True)
class AppSetAction:
    """One Application's outcome; ``body`` is what to create/update, or what to delete."""

    verb: ActionVerb
    namespace: str
    name: str
    body: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    reason: str = ""

    @property
    def key(self) -> ResourceKey:
        return ResourceKey("gitopsd.io", "Application", self.namespace, self.name)

    def __str__(self) -> str:
        suffix = f" ({self.reason})" if self.reason else ""
        return f"{self.key} {self.verb}{suffix}"


def plan_actions(
    generated: Sequence[dict[str, Any]],
    existing: Sequence[dict[str, Any]],
    *,
    policy: ApplicationsSync,
    preserved_annotations: Iterable[str] = (),
    preserved_labels: Iterable[str] = (),
) -> tuple[AppSetAction, ...]:
    """Actions for every generated or existing Application, sorted by name."""
    live = {_key(app): app for app in existing}
    keep_annotations = (*DEFAULT_PRESERVED_ANNOTATIONS, *preserved_annotations)
    keep_labels = tuple(preserved_labels)
    actions = []
    for app in generated:
        current = live.pop(_key(app), None)
        if current is None:
            actions.append(_action(ActionVerb.CREATE, app, body=copy.deepcopy(app)))
            continue
        actions.append(_compare(app, current, policy, keep_annotations, keep_labels))
    for current in live.values():
        if policy.allows_delete:
            actions.append(_action(ActionVerb.DELETE, current, body=current))
        else:
            reason = f"no longer generated; policy {policy} does not delete"
            actions.append(_action(ActionVerb.UNCHANGED, current, reason=reason))
    return tuple(sorted(actions, key=lambda a: (a.name, a.namespace)))


def _compare(
    app: dict[str, Any],
    current: dict[str, Any],
    policy: ApplicationsSync,
    keep_annotations: tuple[str, ...],
    keep_labels: tuple[str, ...],
) -> AppSetAction:
    if (current.get("metadata") or {}).get("deletionTimestamp"):
        return _action(ActionVerb.UNCHANGED, current, reason="being deleted")
    updated = updated_body(app, current, keep_annotations, keep_labels)
    if _significant(updated) == _significant(current):
        return _action(ActionVerb.UNCHANGED, current)
    if not policy.allows_update:
        return _action(ActionVerb.UNCHANGED, current, reason=f"policy {policy} does not update")
    return _action(ActionVerb.UPDATE, updated, body=updated)


def updated_body(
    generated: dict[str, Any],
    current: dict[str, Any],
    keep_annotations: Iterable[str] = DEFAULT_PRESERVED_ANNOTATIONS,
    keep_labels: Iterable[str] = (),
) -> dict[str, Any]:
    """``current`` with the generated spec and metadata (preserved keys kept from live)."""
    body = copy.deepcopy(current)
    body["apiVersion"] = generated["apiVersion"]
    body["spec"] = copy.deepcopy(generated.get("spec") or {})
    meta = body.setdefault("metadata", {})
    meta.pop("managedFields", None)
    wanted = generated["metadata"]
    live = current.get("metadata") or {}
    _set(meta, "labels", _preserving(wanted.get("labels"), live.get("labels"), keep_labels))
    annotations = _preserving(wanted.get("annotations"), live.get("annotations"), keep_annotations)
    _set(meta, "annotations", annotations)
    _set(meta, "finalizers", list(wanted.get("finalizers") or []))
    if wanted.get("ownerReferences"):
        others = [r for r in live.get("ownerReferences") or [] if not r.get("controller")]
        meta["ownerReferences"] = others + copy.deepcopy(wanted["ownerReferences"])
    return body


def _preserving(
    wanted: dict[str, str] | None, live: dict[str, str] | None, keep: Iterable[str]
) -> dict[str, str]:
    result = dict(wanted or {})
    for key in keep:
        if live and key in live:
            result[key] = live[key]
    return dict(sorted(result.items()))


def _set(meta: dict[str, Any], name: str, value: Any) -> None:
    if value:
        meta[name] = value
    else:
        meta.pop(name, None)


def _significant(app: dict[str, Any]) -> tuple[Any, ...]:
    meta = app.get("metadata") or {}
    return (
        app.get("spec") or {},
        meta.get("labels") or {},
        meta.get("annotations") or {},
        meta.get("finalizers") or [],
        meta.get("ownerReferences") or [],
    )


def _key(app: dict[str, Any]) -> tuple[str, str]:
    meta = app.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def _action(
    verb: ActionVerb, app: dict[str, Any], *, body: dict[str, Any] | None = None, reason: str = ""
) -> AppSetAction:
    namespace, name = _key(app)
    return AppSetAction(verb, namespace, name, body, reason)
