"""The ``operation`` written on an Application to request a sync or a rollback, and how to
tell when that operation has finished. Pure functions over raw Application bodies, shared
by the CLI (``gitopsd app sync|rollback``) and the HTTP API (``gitopsd server``), so both
request operations the same way.

The body has exactly the shape the reconciler reads (``gitopsd.sync.operation_state``):
``operation.sync{revision, prune, dryRun, resources[], syncOptions[]}`` and
``operation.initiatedBy{username}``. One ``operation.info`` entry carries a random request
id: the reconciler copies the operation verbatim into ``status.operationState.operation``,
so the id tells this request's state apart from an earlier, identical one that finished
within the same second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from gitopsd.errors import ConfigError
from gitopsd.model.annotations import REQUEST_INFO
from gitopsd.model.sync_options import read_sync_options
from gitopsd.model.vocab import OperationPhase

TERMINAL_PHASES = frozenset({OperationPhase.SUCCEEDED, OperationPhase.FAILED, OperationPhase.ERROR})
AUTO_SYNC_REFUSAL = "rollback cannot be initiated when auto-sync is enabled"


@dataclass(frozen=True, order=True)
class ResourceSelector:
    """One ``--resource GROUP:KIND:NAME`` or ``GROUP:KIND:NAMESPACE/NAME``."""

    group: str
    kind: str
    namespace: str
    name: str


@dataclass(frozen=True)
class SyncRequest:
    """What the user asked ``app sync`` (or ``app rollback``) for."""

    revision: str = ""
    revisions: tuple[str, ...] = ()  # one per source, for a multi-source application
    prune: bool = False
    dry_run: bool = False
    resources: tuple[ResourceSelector, ...] = ()
    sync_options: tuple[str, ...] = ()


def parse_resource_selector(text: str) -> ResourceSelector:
    """``apps:Deployment:web/api`` -> group ``apps``, kind, namespace ``web``, name ``api``.

    The group is empty for the core API (``:Service:web/api``); without a namespace the
    selector names a cluster-scoped object, or is completed by :func:`resolve_selectors`.
    """
    parts = text.split(":")
    if len(parts) != 3 or not parts[1] or not parts[2]:
        raise ConfigError(
            f"--resource {text!r}: expected GROUP:KIND:NAME or GROUP:KIND:NAMESPACE/NAME"
        )
    group, kind, rest = parts
    namespace, _, name = rest.rpartition("/")
    if not name or "/" in namespace:
        raise ConfigError(f"--resource {text!r}: name must be NAME or NAMESPACE/NAME")
    return ResourceSelector(group, kind, namespace, name)


def parse_sync_option(text: str) -> str:
    """``--sync-option Key=value`` (a bare ``Key`` means ``Key=true``), as syncOptions write
    it; an option gitopsd does not know, or a value it cannot read, is refused here rather
    than ending the requested sync in ``Error``."""
    key, sep, value = text.partition("=")
    if not key.strip():
        raise ConfigError(f"--sync-option {text!r}: expected KEY=VALUE")
    option = f"{key.strip()}={value.strip() if sep else 'true'}"
    problems = read_sync_options([option])[1]
    if problems:
        raise ConfigError(f"--sync-option {text!r}: {problems[0].message}")
    return option


def resolve_selectors(
    selectors: Sequence[ResourceSelector], status_resources: Sequence[dict[str, Any]]
) -> tuple[ResourceSelector, ...]:
    """Fill in the namespace of selectors that name exactly one namespaced app resource.

    The reconciler matches ``operation.sync.resources`` on the exact identity, so
    ``apps:Deployment:api`` would otherwise only match a cluster-scoped Deployment.
    """
    resolved = []
    for selector in selectors:
        if selector.namespace:
            resolved.append(selector)
            continue
        namespaces = sorted(
            {
                str(entry.get("namespace") or "")
                for entry in status_resources
                if str(entry.get("group") or "") == selector.group
                and entry.get("kind") == selector.kind
                and entry.get("name") == selector.name
            }
        )
        namespace = namespaces[0] if len(namespaces) == 1 else ""
        resolved.append(ResourceSelector(selector.group, selector.kind, namespace, selector.name))
    return tuple(sorted(set(resolved)))


def build_operation(request: SyncRequest, *, username: str, request_id: str) -> dict[str, Any]:
    """The ``operation`` body for a merge patch; only the fields the request sets."""
    sync: dict[str, Any] = {"prune": request.prune}
    if request.revisions:
        sync["revisions"] = list(request.revisions)
    elif request.revision:
        sync["revision"] = request.revision
    if request.dry_run:
        sync["dryRun"] = True
    if request.resources:
        sync["resources"] = [asdict(r) for r in sorted(request.resources)]
    if request.sync_options:
        sync["syncOptions"] = list(request.sync_options)
    return {
        "sync": sync,
        "initiatedBy": {"username": username},
        "info": [{"name": REQUEST_INFO, "value": request_id}],
    }


def operation_refusal(app: dict[str, Any]) -> str | None:
    """Why a new operation may not be requested now, or None."""
    name = _app_id(app)
    if isinstance(app.get("operation"), dict):
        return f"{name}: another operation is already requested and not yet started"
    state = (app.get("status") or {}).get("operationState") or {}
    if state.get("phase") == OperationPhase.RUNNING:
        return f"{name}: an operation is already running ({state.get('message') or 'no message'})"
    return None


def operation_pending(app: dict[str, Any]) -> bool:
    """An operation is requested (``operation``) or running (``operationState``)."""
    state = (app.get("status") or {}).get("operationState") or {}
    return isinstance(app.get("operation"), dict) or state.get("phase") == OperationPhase.RUNNING


def rollback_refusal(app: dict[str, Any]) -> str | None:
    """Rollback while automated sync is on would be undone at once: refuse it."""
    automated = ((app.get("spec") or {}).get("syncPolicy") or {}).get("automated")
    if isinstance(automated, dict) and automated.get("enabled") is not False:
        return f"{_app_id(app)}: {AUTO_SYNC_REFUSAL}"
    return operation_refusal(app)


def rollback_entry(app: dict[str, Any], history_id: int | None) -> dict[str, Any]:
    """The ``status.history`` entry to roll back to: ``history_id``, else the previous one."""
    history = list((app.get("status") or {}).get("history") or [])
    if history_id is None:
        if len(history) < 2:
            raise ConfigError(f"{_app_id(app)}: no previous deployment in the history")
        return dict(history[-2])
    for entry in history:
        if int(entry.get("id", -1)) == history_id:
            return dict(entry)
    known = ", ".join(str(e.get("id")) for e in history) or "none"
    raise ConfigError(f"{_app_id(app)}: no history entry with id {history_id} (ids: {known})")


def rollback_request(entry: dict[str, Any], *, prune: bool) -> SyncRequest:
    """Sync to the entry's revisions: one per source for a multi-source application (Git
    commits, ``VERSION@DIGEST`` for charts), as Argo CD rolls back."""
    revisions = tuple(str(r) for r in entry.get("revisions") or [])
    if revisions:
        return SyncRequest(revisions=revisions, prune=prune)
    return SyncRequest(revision=str(entry.get("revision") or ""), prune=prune)


def request_id_of(operation: dict[str, Any] | None) -> str:
    for item in (operation or {}).get("info") or []:
        if isinstance(item, dict) and item.get("name") == REQUEST_INFO:
            return str(item.get("value") or "")
    return ""


def state_of(app: dict[str, Any], request_id: str) -> dict[str, Any] | None:
    """``status.operationState`` when it belongs to this request, else None."""
    state = (app.get("status") or {}).get("operationState")
    if isinstance(state, dict) and request_id_of(state.get("operation")) == request_id:
        return state
    return None


def finished_phase(app: dict[str, Any], request_id: str) -> OperationPhase | None:
    """The terminal phase of this request, once the controller consumed and finished it.

    Waiting for ``operation`` to be gone too keeps a follow-up request from being wiped
    by the controller's clearing of this one.
    """
    if request_id_of(app.get("operation")) == request_id:
        return None
    state = state_of(app, request_id)
    if state is None:
        return None
    phase = str(state.get("phase") or "")
    return OperationPhase(phase) if phase in TERMINAL_PHASES else None


def _app_id(app: dict[str, Any]) -> str:
    meta = app.get("metadata") or {}
    return f"Application/{meta.get('namespace', '')}/{meta.get('name', '')}"
