"""Health of a Pod, from its phase, readiness and container states.

Registered in :mod:`gitopsd.health.checks.core`. Pods that restart forever
(``restartPolicy: Always``, the default) are judged like services: a container stuck in
``CrashLoopBackOff``/``ImagePullBackOff``/``Err*`` makes the Pod Degraded. Pods meant to
finish (``OnFailure``/``Never``, typically sync hooks) are Progressing until they end, so
a hook waiting for an image does not fail its sync early. The annotation
``argocd.argoproj.io/ignore-restart-policy: "true"`` (or ``gitopsd.io/...``) judges a Pod
as if it restarted forever, for Pods an operator runs with ``Never`` that are not hooks.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.result import Health, degraded, healthy, progressing, unknown
from gitopsd.model.annotations import IGNORE_RESTART_POLICY, annotation


def pod_health(obj: dict[str, Any]) -> Health:
    restarts_forever = _restart_policy(obj) == "Always" or _ignores_restart_policy(obj)
    if restarts_forever:
        stuck = _stuck_containers(obj)
        if stuck:
            return degraded(", ".join(stuck))
    phase = fields.text(obj, "status", "phase") or "Pending"
    message = fields.text(obj, "status", "message")
    if phase == "Pending":
        return progressing(message or _unscheduled_message(obj))
    if phase == "Succeeded":
        return healthy(message)
    if phase == "Failed":
        return degraded(message or _failure_message(obj))
    if phase == "Running":
        return _running_health(obj, restarts_forever, message)
    return unknown(message)


def _restart_policy(obj: dict[str, Any]) -> str:
    return fields.text(obj, "spec", "restartPolicy") or "Always"


def _ignores_restart_policy(obj: dict[str, Any]) -> bool:
    # Either prefix; gitopsd's wins when both are set.
    return (annotation(obj, IGNORE_RESTART_POLICY) or "").strip().lower() == "true"


def _container_statuses(obj: dict[str, Any], *, with_init: bool = False) -> list[dict[str, Any]]:
    keys = ("initContainerStatuses", "containerStatuses") if with_init else ("containerStatuses",)
    return [
        status
        for key in keys
        for status in fields.items(obj, "status", key)
        if isinstance(status, dict)
    ]


def _is_stuck_reason(reason: str) -> bool:
    # Image pull and crash loops, and errors creating the container (CreateContainerError,
    # CreateContainerConfigError, ErrImageNeverPull, ...).
    return reason.startswith("Err") or reason.endswith(("Error", "BackOff"))


def _stuck_containers(obj: dict[str, Any]) -> list[str]:
    messages = []
    for status in _container_statuses(obj):
        reason = fields.text(status, "state", "waiting", "reason")
        if _is_stuck_reason(reason):
            messages.append(fields.text(status, "state", "waiting", "message") or reason)
    return messages


def _unscheduled_message(obj: dict[str, Any]) -> str:
    """The scheduler's explanation (``0/3 nodes are available: ...``), if it gave one."""
    scheduled = fields.condition(obj, "PodScheduled")
    if scheduled is not None and fields.is_false(scheduled):
        return fields.text(scheduled, "message")
    return ""


def _failure_message(obj: dict[str, Any]) -> str:
    """Why a failed Pod failed, from the first terminated container that says so."""
    for status in _container_statuses(obj, with_init=True):
        terminated = fields.get(status, "state", "terminated")
        if not isinstance(terminated, dict):
            continue
        if fields.text(terminated, "message"):
            return fields.text(terminated, "message")
        if terminated.get("reason") == "OOMKilled":
            return "OOMKilled"
        exit_code = fields.integer(terminated, "exitCode")
        if exit_code:
            return f'container "{fields.text(status, "name")}" failed with exit code {exit_code}'
    return ""


def _running_health(obj: dict[str, Any], restarts_forever: bool, message: str) -> Health:
    if not restarts_forever:
        # A Pod meant to finish is not done while it runs.
        return progressing(message)
    if fields.is_true(fields.condition(obj, "Ready")):
        return healthy(message)
    for status in _container_statuses(obj):
        if isinstance(fields.get(status, "lastState", "terminated"), dict):
            return degraded(message or _restarted_message(status))
    return progressing(message)


def _restarted_message(status: dict[str, Any]) -> str:
    name = fields.text(status, "name")
    reason = fields.text(status, "lastState", "terminated", "reason")
    return f'container "{name}" restarted' + (f" ({reason})" if reason else "")
