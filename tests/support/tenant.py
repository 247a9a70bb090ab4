"""A tenant's moves and what the security suite checks after them: Applications with
chosen sources, the condition the controller answers with, and everything it reports
(status, Events, its log, ``gitopsd app get``) or wrote into the cluster."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from tests.support.appsets import APPS, IN_CLUSTER, condition, status_of
from tests.support.cli import gitopsd
from tests.support.controller import RunningController
from tests.support.kube import Kubectl


def tenant_application(
    name: str, namespace: str, source: dict[str, Any], *, automated: bool = True
) -> str:
    """An Application in ``namespace`` deploying ``source`` into the same namespace."""
    spec: dict[str, Any] = {
        "project": "default",
        "source": source,
        "destination": {"server": IN_CLUSTER, "namespace": namespace},
        "syncPolicy": {"automated": {"prune": True}} if automated else {},
    }
    body = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }
    return yaml.safe_dump(body, sort_keys=False)


def refused_with(
    kubectl: Kubectl, namespace: str, app: str, condition_type: str, naming: str
) -> str:
    """The message of ``app``'s ``condition_type`` condition once it mentions ``naming``."""

    def message() -> str:
        found = condition(status_of(kubectl, APPS, namespace, app), condition_type)
        text = str(found.get("message") or "")
        return text if naming in text else ""

    what = f"{app}: a {condition_type} condition naming {naming!r}"
    found: str = kubectl.wait_for(message, timeout=60, what=what)
    return found


def written_objects(kubectl: Kubectl, namespace: str) -> str:
    """Every object a sync could have written in ``namespace``, as JSON text."""
    kinds = "configmaps,secrets,deployments,services,jobs,pods,serviceaccounts"
    items = kubectl.json("get", kinds, "-n", namespace)["items"]
    return json.dumps([i for i in items if i["metadata"]["name"] != "kube-root-ca.crt"])


def tracked_objects(kubectl: Kubectl, namespace: str) -> list[dict[str, Any]]:
    kinds = "configmaps,secrets,deployments,services,jobs"
    items: list[dict[str, Any]] = kubectl.json(
        "get", kinds, "-n", namespace, "-l", "gitopsd.io/app"
    )["items"]
    return items


def reported_text(
    kubectl: Kubectl,
    namespace: str,
    app: str,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
    kubeconfig: str,
) -> dict[str, str]:
    """Everything gitopsd reports about ``app``: status, Events, its log, ``app get``."""
    status = json.dumps(status_of(kubectl, APPS, namespace, app))
    events = kubectl.run("get", "events", "-n", namespace, "-o", "json")
    code, shown, _ = gitopsd(capsys, "app", "get", app, "--kubeconfig", kubeconfig, "-n", namespace)
    assert code == 0
    return {"status": status, "events": events, "log": ctl.log(), "app get": shown}
