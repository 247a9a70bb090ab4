"""The seeds' RBAC policies through ``gitopsd server``, with real sign-ins and tokens.

``gitopsd-rbac-cm`` carries the seeds' lines as written (``role:backend-deployer`` on
``backend/*``, ``backend-team`` in it, ``role:platform-engineer`` denied deletes) and
binds two local accounts: alice into ``backend-team``, bob into the platform role. Alice
sees and syncs backend apps only — not through lists, filters, get, tree, events or the
live stream; bob may sync anything but delete nothing. Then the attacks: a cookie without
the CSRF token changes nothing, guessing a password is rate-limited, and a logged-out
token (and its open stream) stops working.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.controller import RunningController
from tests.support.gitserver import BareRepo, bare_repo
from tests.support.kube import Kubectl
from tests.support.server import Api, RunningServer, server, set_password

POLICY = """\
p, role:backend-deployer, applications, *, backend/*, allow
g, backend-team, role:backend-deployer
p, role:platform-engineer, applications, delete, */*, deny
p, role:platform-engineer, applications, *, */*, allow
g, alice, backend-team
g, bob, role:platform-engineer
"""
PASSWORDS = {"alice": "alice-password-1", "bob": "bob-password-1", "carol": "carol-password-1"}


def project(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [{"server": "*", "namespace": "*"}],
            "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
        },
    }


def application(name: str, proj: str, namespace: str, repo: BareRepo) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace, "labels": {"team": proj}},
        "spec": {
            "project": proj,
            "source": {"repoURL": repo.url, "targetRevision": "main", "path": proj},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
        },
    }


def configmap(name: str, namespace: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace},
        }
    )


@pytest.fixture
def setup(
    crds: None, namespace: str, tmp_path: Path, kubectl: Kubectl, kubeconfig: str
) -> Iterator[RunningServer]:
    repo = bare_repo(tmp_path)
    repo.commit(
        {
            "backend/cm.yaml": configmap("backend-settings", namespace),
            "frontend/cm.yaml": configmap("frontend-settings", namespace),
        }
    )
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "gitopsd-cm", "namespace": namespace},
        "data": {f"accounts.{name}": "login" for name in PASSWORDS},
    }
    rbac = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "gitopsd-rbac-cm", "namespace": namespace},
        "data": {"policy.csv": POLICY, "policy.default": ""},
    }
    objects = [
        config,
        rbac,
        project("backend", namespace),
        project("frontend", namespace),
        application("backend-api", "backend", namespace, repo),
        application("frontend-web", "frontend", namespace, repo),
    ]
    kubectl.apply(yaml.safe_dump_all(objects))
    with server(namespace, tmp_path / "server", kubeconfig=kubeconfig) as running:
        for name, password in PASSWORDS.items():
            set_password(kubectl, namespace, name, password)
        yield running


def names(api: Api, **query: str) -> list[str]:
    answer = api.get("/api/v1/applications", query=query or None)
    assert answer.status == 200, answer.text
    return sorted(a["metadata"]["name"] for a in answer.json()["items"])


def sign_in(running: RunningServer, kubectl: Kubectl, name: str) -> Api:
    return kubectl.wait_for(
        lambda: running.api().as_user(name, PASSWORDS[name]),
        timeout=30,
        what=f"{name} to be able to sign in",
    )


def test_backend_deployer_sees_and_syncs_backend_only(
    namespace: str, kubectl: Kubectl, ctl: RunningController, setup: RunningServer
) -> None:
    alice = sign_in(setup, kubectl, "alice")
    assert names(alice) == ["backend-api"]
    assert names(alice, projects="frontend") == []
    assert names(alice, search="frontend") == []
    assert names(alice, selector="team=frontend") == []
    frontend = "/api/v1/applications/frontend-web"
    for path in ("", "/resource-tree", "/events", "/managed-resources"):
        assert alice.get(frontend + path).status == 403, path
    missing = alice.get("/api/v1/applications/no-such-app")
    assert missing.status == 403  # the same answer as for an app she may not see
    assert alice.request("POST", f"{frontend}/sync", {}).status == 403
    assert kubectl.get("-n", namespace, "application", "frontend-web").get("operation") is None

    # The live stream carries backend changes only.
    seen: list[str] = []
    stop = threading.Event()

    def listen() -> None:
        for event in alice.events("/api/v1/stream/applications", {}, timeout=30):
            seen.append(event["result"]["application"]["metadata"]["name"])
            if stop.is_set() and seen.count("backend-api") >= 2:
                return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    kubectl.wait_for(lambda: "backend-api" in seen, timeout=30, what="the initial event")
    stop.set()
    for app in ("frontend-web", "backend-api"):
        kubectl.run("-n", namespace, "annotate", "application", app, f"touched={time.time()}")
    thread.join(timeout=30)
    assert seen.count("backend-api") >= 2
    assert "frontend-web" not in seen

    synced = alice.request("POST", "/api/v1/applications/backend-api/sync", {})
    assert synced.status == 200, synced.text
    kubectl.wait_for(
        lambda: kubectl.get("-n", namespace, "configmap", "backend-settings"),
        timeout=60,
        what="the controller to sync backend-api",
    )
    history = kubectl.wait_for(
        lambda: (
            (kubectl.get("-n", namespace, "application", "backend-api") or {})
            .get("status", {})
            .get("history")
        ),
        timeout=60,
        what="backend-api's history",
    )
    assert history[-1]["initiatedBy"]["username"] == "alice"


def test_platform_engineer_syncs_but_cannot_delete(
    namespace: str, kubectl: Kubectl, setup: RunningServer
) -> None:
    bob = sign_in(setup, kubectl, "bob")
    assert names(bob) == ["backend-api", "frontend-web"]
    refused = bob.request("DELETE", "/api/v1/applications/frontend-web")
    assert refused.status == 403
    assert kubectl.get("-n", namespace, "application", "frontend-web") is not None
    assert bob.request("POST", "/api/v1/applications/frontend-web/sync", {}).status == 200
    audit = [line for line in setup.log().splitlines() if '"audit": true' in line]
    assert any('"user": "bob"' in a and '"action": "delete"' in a and "denied" in a for a in audit)


def test_csrf_rate_limit_and_logout(
    namespace: str, kubectl: Kubectl, setup: RunningServer, tmp_path: Path, kubeconfig: str
) -> None:
    # A browser session: cookies only. A change without the CSRF header writes nothing.
    signed = kubectl.wait_for(
        lambda: setup.api().sign_in("bob", PASSWORDS["bob"]).cookies or None,
        timeout=30,
        what="bob's cookies",
    )
    browser = Api(setup.port, cookies=signed)
    assert browser.get("/api/v1/applications").status == 200
    forged = browser.request("POST", "/api/v1/applications/backend-api/sync", {})
    assert forged.status == 403
    assert kubectl.get("-n", namespace, "application", "backend-api").get("operation") is None
    wrong = browser.request(
        "POST",
        "/api/v1/applications/backend-api/sync",
        {},
        headers={"X-CSRF-Token": "0" * 64},
    )
    assert wrong.status == 403
    assert kubectl.get("-n", namespace, "application", "backend-api").get("operation") is None
    allowed = browser.request(
        "POST",
        "/api/v1/applications/backend-api/sync",
        {},
        headers={"X-CSRF-Token": signed["gitopsd.csrf"]},
    )
    assert allowed.status == 200, allowed.text

    # Guessing carol's password: after 5 failures even the right one is refused for now.
    for attempt in range(5):
        assert setup.api().sign_in("carol", f"guess-{attempt}").status == 401
    limited = setup.api().sign_in("carol", PASSWORDS["carol"])
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "token" not in limited.text

    # Logout revokes the session: the token stops working at once, on every replica.
    bearer = sign_in(setup, kubectl, "alice")
    assert bearer.request("DELETE", "/api/v1/session").status == 200
    assert bearer.get("/api/v1/applications").status == 401
    revoked = kubectl.get("-n", namespace, "secret", "gitopsd-secret")
    assert any(key.startswith("session.revoked.") for key in revoked["data"])
    assert bearer.get("/api/v1/session/userinfo").json() == {"loggedIn": False}
    # A second replica, which never saw the logout, refuses it too; other sessions work.
    with server(namespace, tmp_path / "replica", kubeconfig=kubeconfig) as replica:
        assert Api(replica.port, token=bearer.token).get("/api/v1/applications").status == 401
        other = Api(replica.port, cookies=signed)
        assert other.get("/api/v1/applications").status == 200
