"""``gitopsd server`` against a real cluster and controller, signed in as the admin.

The story: the server generates the admin password; the admin signs in with it, lists
and filters applications, syncs through the API and sees the controller apply it (the
history names the admin), refreshes, reads the tree, the managed resources, one object
and the events (Secret values masked everywhere), syncs a second commit, rolls back,
pauses and resumes automated sync, and deletes the application with its resources. A
second story terminates a running operation. Every response body is kept and checked for
the Secret's value at the end.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.controller import RunningController
from tests.support.gitserver import BareRepo, bare_repo
from tests.support.kube import Kubectl
from tests.support.server import Api, Response, RunningServer, admin_password, server

APP = "web"
SECRET_VALUE = "hunter2-do-not-show"


def manifests(namespace: str, colour: str) -> dict[str, str]:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "web-settings", "namespace": namespace},
        "data": {"colour": colour},
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "web-credentials", "namespace": namespace},
        "stringData": {"password": SECRET_VALUE},
    }
    return {
        "web/settings.yaml": yaml.safe_dump(configmap),
        "web/credentials.yaml": yaml.safe_dump(secret),
    }


def application(namespace: str, repo: BareRepo, path: str = "web") -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "gitopsd.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": APP, "namespace": namespace},
            "spec": {
                "project": "default",
                "source": {"repoURL": repo.url, "targetRevision": "main", "path": path},
                "destination": {
                    "server": "https://kubernetes.default.svc",
                    "namespace": namespace,
                },
            },
        }
    )


@pytest.fixture
def api_server(
    crds: None, namespace: str, tmp_path: Path, kubeconfig: str
) -> Iterator[RunningServer]:
    with server(namespace, tmp_path / "server", kubeconfig=kubeconfig) as running:
        yield running


class Recorder:
    """Wraps an Api and keeps every response body, to check none leaks a secret."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.bodies: list[str] = []

    def __call__(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Response:
        answer = self.api.request(method, path, body, **kwargs)
        self.bodies.append(answer.text)
        return answer


def colour(kubectl: Kubectl, namespace: str) -> str | None:
    live = kubectl.get("-n", namespace, "configmap", "web-settings")
    return None if live is None else str(live["data"]["colour"])


def test_admin_story_through_the_api(
    namespace: str,
    tmp_path: Path,
    kubectl: Kubectl,
    ctl: RunningController,
    api_server: RunningServer,
) -> None:
    base = f"/api/v1/applications/{APP}"
    repo = bare_repo(tmp_path)
    first = repo.commit(manifests(namespace, "blue"), "blue settings")
    kubectl.apply(application(namespace, repo))

    # Signed out, nothing but sign-in, health, version and the API description answers.
    anonymous = api_server.api()
    assert anonymous.get("/api/v1/applications").status == 401
    assert anonymous.get(base).status == 401
    assert anonymous.get("/healthz").status == 200

    password = admin_password(kubectl, namespace)
    call = Recorder(api_server.api().as_user("admin", password))
    info = call("GET", "/api/v1/session/userinfo").json()
    assert info == {"loggedIn": True, "username": "admin", "iss": "local", "groups": []}

    # The list comes from the watch cache; filters narrow it.
    kubectl.wait_for(
        lambda: (
            [
                a["metadata"]["name"]
                for a in call("GET", "/api/v1/applications", query={"sync": "OutOfSync"}).json()[
                    "items"
                ]
            ]
            == [APP]
        ),
        timeout=60,
        what="the Application listed as OutOfSync",
    )
    listed = call("GET", "/api/v1/applications").json()
    assert listed["metadata"]["resourceVersion"]
    assert len(call("GET", "/api/v1/applications", query={"search": "we"}).json()["items"]) == 1
    assert call("GET", "/api/v1/applications", query={"projects": "other"}).json()["items"] == []
    assert call("GET", "/api/v1/applications", query={"selector": "team=x"}).json()["items"] == []
    assert call("GET", f"{base}-missing").status == 404

    # Sync through the API: the controller applies it, initiated by the admin.
    synced = call("POST", f"{base}/sync", {"prune": True})
    assert synced.status == 200, synced.text
    assert synced.json()["operation"]["initiatedBy"] == {"username": "admin"}
    kubectl.wait_for(
        lambda: colour(kubectl, namespace) == "blue", timeout=60, what="the sync to apply"
    )
    kubectl.wait_for(
        lambda: (call("GET", base).json().get("status") or {}).get("history"),
        timeout=60,
        what="the history entry",
    )
    app = call("GET", base).json()
    assert app["status"]["history"][0]["initiatedBy"]["username"] == "admin"
    assert app["status"]["history"][0]["revision"] == first

    # Refresh: the annotation is written, the controller takes it, the app comes back.
    refreshed = call("GET", base, query={"refresh": "hard"})
    assert refreshed.status == 200
    annotations = refreshed.json()["metadata"].get("annotations") or {}
    assert not any(k.endswith("/refresh") for k in annotations)

    # The tree, the managed resources, one object, the events, the revision's metadata.
    kubectl.wait_for(
        lambda: len(call("GET", f"{base}/resource-tree").json()["nodes"]) == 2,
        timeout=30,
        what="both objects in the resource tree",
    )
    tree = call("GET", f"{base}/resource-tree").json()
    assert sorted((n["kind"], n["name"]) for n in tree["nodes"]) == [
        ("ConfigMap", "web-settings"),
        ("Secret", "web-credentials"),
    ]
    assert all(n["uid"] for n in tree["nodes"])
    managed = call("GET", f"{base}/managed-resources").json()["items"]
    secret_state = next(i for i in managed if i["kind"] == "Secret")
    assert json.loads(secret_state["liveState"])["data"] == {"password": "++++++++"}
    assert json.loads(secret_state["targetState"])["stringData"] == {"password": "++++++++"}
    config_state = next(i for i in managed if i["kind"] == "ConfigMap")
    assert json.loads(config_state["targetState"])["data"] == {"colour": "blue"}
    assert json.loads(config_state["liveState"])["data"] == {"colour": "blue"}
    assert config_state["modified"] is False
    resource = call(
        "GET",
        f"{base}/resource",
        query={"kind": "Secret", "namespace": namespace, "resourceName": "web-credentials"},
    )
    assert resource.status == 200, resource.text
    assert json.loads(resource.json()["manifest"])["data"] == {"password": "++++++++"}
    outside = call(
        "GET",
        f"{base}/resource",
        query={"kind": "Secret", "namespace": namespace, "resourceName": "gitopsd-secret"},
    )
    assert outside.status == 404
    kubectl.wait_for(
        lambda: any(
            "admin initiated sync" in e.get("message", "")
            for e in call("GET", f"{base}/events").json()["items"]
        ),
        timeout=30,
        what="the sync Event naming the admin",
    )
    metadata = call("GET", f"{base}/revisions/{first}/metadata").json()
    assert metadata["message"] == "blue settings"

    # A second commit, synced by revision; then a rollback to history entry 0.
    second = repo.commit(manifests(namespace, "green"), "go green")
    kubectl.wait_for(
        lambda: call("POST", f"{base}/sync", {"revision": second}).status == 200,
        timeout=60,
        what="the sync of the second commit to be accepted",
    )
    kubectl.wait_for(
        lambda: colour(kubectl, namespace) == "green", timeout=60, what="the second sync"
    )
    kubectl.wait_for(
        lambda: (
            len(call("GET", base).json()["status"].get("history") or []) == 2
            and call("GET", base).json()["status"]["operationState"]["phase"] == "Succeeded"
        ),
        timeout=60,
        what="the second history entry",
    )
    rolled = call("PUT", f"{base}/rollback", {"id": 0})
    assert rolled.status == 200, rolled.text
    kubectl.wait_for(lambda: colour(kubectl, namespace) == "blue", timeout=60, what="the rollback")

    # Automated sync on: rollback refused; paused: allowed again; resumed.
    kubectl.wait_for(
        lambda: (
            call("GET", base).json()["status"]["operationState"]["phase"] == "Succeeded"
            and "operation" not in call("GET", base).json()
        ),
        timeout=60,
        what="the rollback to finish",
    )
    patched = call("PATCH", f"{base}/spec", {"syncPolicy": {"automated": {"selfHeal": False}}})
    assert patched.status == 200, patched.text
    refused = call("PUT", f"{base}/rollback", {"id": 1})
    assert refused.status == 400
    assert "auto-sync is enabled" in refused.json()["message"]
    paused = call("PATCH", f"{base}/spec", {"syncPolicy": {"automated": {"enabled": False}}})
    assert paused.status == 200, paused.text
    live = kubectl.get("-n", namespace, "application", APP)
    assert live is not None
    assert live["spec"]["syncPolicy"]["automated"] == {"selfHeal": False, "enabled": False}
    resumed = call("PATCH", f"{base}/spec", {"syncPolicy": {"automated": {"enabled": True}}})
    assert resumed.json()["spec"]["syncPolicy"]["automated"]["enabled"] is True
    assert call("PATCH", f"{base}/spec", {"project": "other"}).status == 400
    kubectl.wait_for(
        lambda: colour(kubectl, namespace) == "green",
        timeout=60,
        what="automated sync to bring back main's head",
    )

    # Delete with cascade: the Application and its objects go.
    deleted = call("DELETE", base, query={"cascade": "true"})
    assert deleted.status == 200, deleted.text
    kubectl.wait_for(
        lambda: (
            kubectl.get("-n", namespace, "application", APP) is None
            and colour(kubectl, namespace) is None
        ),
        timeout=120,
        what="the Application and its ConfigMap to be deleted",
    )

    # The audit trail: JSON lines naming the user, action, object and source address.
    audit = [json.loads(line) for line in api_server.log().splitlines() if '"audit": true' in line]
    actions = {(a["user"], a["action"], a["result"]) for a in audit}
    for action in ("login", "sync", "rollback", "refresh", "update", "delete"):
        assert ("admin", action, "allowed") in actions, action
    assert all(a["source_ip"] == "127.0.0.1" for a in audit)
    assert any(a["object"] == f"default/{APP}" and a["project"] == "default" for a in audit)

    # No response ever carried the Secret's value, plain or base64.
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    for body in call.bodies:
        assert SECRET_VALUE not in body
        assert encoded not in body
    assert SECRET_VALUE not in api_server.log() and password not in api_server.log()


def test_terminate_a_running_operation(
    namespace: str,
    tmp_path: Path,
    kubectl: Kubectl,
    ctl: RunningController,
    api_server: RunningServer,
) -> None:
    # A claim without a storage class stays Pending (Progressing), so the later wave
    # waits and the operation keeps running until it is terminated.
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": namespace},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": "none-such",
            "resources": {"requests": {"storage": "1Gi"}},
        },
    }
    late = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "late",
            "namespace": namespace,
            "annotations": {"argocd.argoproj.io/sync-wave": "5"},
        },
        "data": {"a": "b"},
    }
    repo = bare_repo(tmp_path)
    repo.commit({"web/claim.yaml": yaml.safe_dump(claim), "web/late.yaml": yaml.safe_dump(late)})
    kubectl.apply(application(namespace, repo))
    api = api_server.api().as_user("admin", admin_password(kubectl, namespace))
    base = f"/api/v1/applications/{APP}"
    assert api.request("DELETE", f"{base}/operation").status == 400  # nothing runs yet
    kubectl.wait_for(
        lambda: api.request("POST", f"{base}/sync", {}).status == 200,
        timeout=60,
        what="the sync request to be accepted",
    )
    kubectl.wait_for(
        lambda: (
            (api.get(base).json()["status"].get("operationState") or {}).get("phase") == "Running"
            and kubectl.get("-n", namespace, "pvc", "data") is not None
        ),
        timeout=60,
        what="the operation to run and wait on the claim",
    )
    assert api.request("DELETE", f"{base}/operation").status == 200
    kubectl.wait_for(
        lambda: api.get(base).json()["status"]["operationState"]["phase"] in ("Failed", "Error"),
        timeout=60,
        what="the operation to end after terminate",
    )
    assert kubectl.get("-n", namespace, "configmap", "late") is None
