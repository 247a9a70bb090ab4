"""Attacks on ``gitopsd server``, each refused with nothing written.

A tenant who may use the backend project only (``p, alice, applications, *, backend/*``)
tries forged tokens, other namespaces and projects through parameters, objects outside
her application, moving her application to another project, and script in event text;
tokens never reach the server's log.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.kube import Kubectl
from tests.support.server import Api, RunningServer, admin_password, server, set_password

PASSWORD = "alice-password-1"


def _app(name: str, project: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "project": project,
            "source": {"repoURL": "https://git.invalid/r.git", "path": project},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
        },
    }


@pytest.fixture
def target(
    crds: None, namespace: str, tmp_path: Path, kubectl: Kubectl, kubeconfig: str
) -> Iterator[RunningServer]:
    objects = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "gitopsd-cm", "namespace": namespace},
            "data": {"accounts.alice": "login"},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "gitopsd-rbac-cm", "namespace": namespace},
            "data": {"policy.csv": "p, alice, applications, *, backend/*, allow\n"},
        },
        _app("api", "backend", namespace),
        _app("web", "frontend", namespace),
    ]
    kubectl.apply(yaml.safe_dump_all(objects))
    with server(namespace, tmp_path / "server", kubeconfig=kubeconfig) as running:
        set_password(kubectl, namespace, "alice", PASSWORD)
        yield running


def _alice(running: RunningServer, kubectl: Kubectl) -> Api:
    return kubectl.wait_for(
        lambda: running.api().as_user("alice", PASSWORD), timeout=30, what="alice's sign-in"
    )


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _unchanged(kubectl: Kubectl, namespace: str, name: str) -> dict[str, Any]:
    app = kubectl.get("-n", namespace, "application", name)
    assert app is not None
    assert "operation" not in app
    annotations = app["metadata"].get("annotations") or {}
    assert not [k for k in annotations if k.startswith(("gitopsd.io/", "argocd.argoproj.io/"))]
    assert app["metadata"]["generation"] == 1  # the spec was never written
    assert not app["metadata"].get("finalizers")
    return app


def test_forged_tokens_change_nothing(
    namespace: str, kubectl: Kubectl, target: RunningServer
) -> None:
    claims = {"iss": "gitopsd", "sub": "admin", "jti": "x", "iat": 1, "exp": 4_000_000_000}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    guessed = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}.{'A' * 43}"
    for token in (unsigned, guessed, "admin", ""):
        api = Api(target.port, token=token)
        answer = api.request("POST", "/api/v1/applications/web/sync", {})
        assert answer.status == 401, token
        assert api.request("DELETE", "/api/v1/applications/web").status == 401
    _unchanged(kubectl, namespace, "web")


def test_a_tenant_cannot_reach_another_project(
    namespace: str, kubectl: Kubectl, target: RunningServer
) -> None:
    alice = _alice(target, kubectl)
    attempts = [
        ("GET", "/api/v1/applications/web", {}),
        ("GET", "/api/v1/applications/api", {"appNamespace": "kube-system"}),
        ("GET", "/api/v1/applications/..%2Fweb", {}),
        ("POST", "/api/v1/applications/web/sync", {}),
        ("PUT", "/api/v1/applications/web/rollback", {}),
        ("DELETE", "/api/v1/applications/web/operation", {}),
        ("PATCH", "/api/v1/applications/web/spec", {}),
        ("GET", "/api/v1/applications/web/resource-tree", {}),
        ("GET", "/api/v1/applications/web/events", {}),
        ("GET", "/api/v1/applications/web/managed-resources", {}),
        ("GET", "/api/v1/applications/web", {"refresh": "hard"}),
    ]
    for method, path, query in attempts:
        body = {"syncPolicy": {"automated": {"enabled": False}}} if method == "PATCH" else {}
        answer = alice.request(method, path, body, query=query or None)
        assert answer.status in (403, 404), (method, path, query, answer.status)
        assert "frontend" not in answer.text
    listed = alice.get("/api/v1/applications", query={"projects": "frontend", "name": "web"})
    assert listed.json()["items"] == []
    _unchanged(kubectl, namespace, "web")
    # Objects outside her application are not hers to read, whatever she names.
    for query in (
        {"kind": "Secret", "namespace": namespace, "resourceName": "gitopsd-secret"},
        {"kind": "ConfigMap", "namespace": namespace, "resourceName": "gitopsd-rbac-cm"},
        {"kind": "Application", "group": "gitopsd.io", "namespace": namespace,
         "resourceName": "web"},
    ):  # fmt: skip
        answer = alice.get("/api/v1/applications/api/resource", query=query)
        assert answer.status == 404, query
        assert "server.secretkey" not in answer.text


def test_a_tenant_cannot_move_her_application_to_another_project(
    namespace: str, kubectl: Kubectl, target: RunningServer
) -> None:
    alice = _alice(target, kubectl)
    for body in (
        {"project": "frontend"},
        {"syncPolicy": {"automated": {"enabled": False}}, "project": "frontend"},
        {"destination": {"namespace": "kube-system"}},
        {"syncPolicy": {"automated": {"enabled": "yes"}}},
    ):
        answer = alice.request("PATCH", "/api/v1/applications/api/spec", body)
        assert answer.status == 400, body
    app = _unchanged(kubectl, namespace, "api")
    assert app["spec"]["project"] == "backend"
    assert app["spec"]["destination"]["namespace"] == namespace


def test_script_in_event_text_is_served_as_inert_json(
    namespace: str, kubectl: Kubectl, target: RunningServer
) -> None:
    payload = "<script>alert(document.cookie)</script>"
    app = kubectl.get("-n", namespace, "application", "api")
    assert app is not None
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "api.hostile", "namespace": namespace},
        "involvedObject": {
            "apiVersion": "gitopsd.io/v1alpha1",
            "kind": "Application",
            "name": "api",
            "namespace": namespace,
            "uid": app["metadata"]["uid"],
        },
        "reason": "Hostile",
        "message": payload,
        "type": "Normal",
    }
    kubectl.apply(yaml.safe_dump(event))
    alice = _alice(target, kubectl)
    answer = kubectl.wait_for(
        lambda: (r := alice.get("/api/v1/applications/api/events")).json()["items"] and r,
        timeout=30,
        what="the hostile event to be served",
    )
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert [e["message"] for e in answer.json()["items"]] == [payload]


def test_tokens_and_passwords_never_reach_the_log(
    namespace: str, kubectl: Kubectl, target: RunningServer
) -> None:
    password = admin_password(kubectl, namespace)
    admin = target.api().as_user("admin", password)
    assert admin.get("/api/v1/applications").status == 200
    assert target.api().sign_in("admin", "wrong-password").status == 401
    assert admin.request("DELETE", "/api/v1/session").status == 200
    log = target.log()
    assert admin.token not in log
    assert admin.token.split(".")[2] not in log
    assert password not in log and "wrong-password" not in log
