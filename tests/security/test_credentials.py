"""Repository credentials reach only the server they were written for.

A tenant who may create an Application chooses its ``repoURL``. These stories point one
at a server the tenant controls, which asks for credentials and records what it is sent,
and show that the password of a ``repo-creds`` Secret written for another server never
arrives there: not for a port that shares the credentialed port's digits, and not after
a redirect from the credentialed server to another host. The password shows up nowhere
in the Application's status, the namespace's events or the controller's log, and the
lured Application deploys nothing.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from gitopsd.desired.tracking import tracking_label_value
from gitopsd.model.annotations import TRACKING_LABEL
from tests.support.controller import RunningController
from tests.support.gitserver import (
    BareRepo,
    RecordingServer,
    git_http,
    prefix_ports,
    recording_http,
    redirecting_http,
)
from tests.support.kube import Kubectl
from tests.support.seed import application

PASSWORD = "pw-of-server-A-7f3c91"
USERNAME = "alice"


def repo_creds(namespace: str, url: str) -> str:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "server-a-creds",
            "namespace": namespace,
            "labels": {"gitopsd.io/secret-type": "repo-creds"},
        },
        "stringData": {"url": url, "username": USERNAME, "password": PASSWORD},
    }
    return yaml.safe_dump(secret)


def status_of(kubectl: Kubectl, namespace: str, name: str) -> dict[str, Any]:
    app = kubectl.get("applications.gitopsd.io", "-n", namespace, name) or {}
    status: dict[str, Any] = app.get("status") or {}
    return status


def wait_refused(
    kubectl: Kubectl, namespace: str, name: str, saying: str, lured: RecordingServer
) -> None:
    """Until the Application's ComparisonError says ``saying``, or, sooner, until the
    lured server has been sent credentials (which the caller's assertions then report)."""

    def settled() -> bool:
        if lured.credentials_received():
            return True
        conditions = status_of(kubectl, namespace, name).get("conditions") or []
        return any(c["type"] == "ComparisonError" and saying in c["message"] for c in conditions)

    what = f"{name}: a ComparisonError saying {saying!r}"
    kubectl.wait_for(settled, timeout=60, what=what)


def wait_synced_healthy(kubectl: Kubectl, namespace: str, name: str) -> None:
    def ready() -> bool:
        status = status_of(kubectl, namespace, name)
        return (status.get("sync") or {}).get("status") == "Synced" and (
            status.get("health") or {}
        ).get("status") == "Healthy"

    kubectl.wait_for(ready, timeout=60, what=f"{name} Synced and Healthy")


def assert_password_shown_nowhere(
    kubectl: Kubectl, namespace: str, ctl: RunningController, app: str
) -> None:
    events = kubectl.json("get", "events", "-n", namespace)
    for text in (
        json.dumps(status_of(kubectl, namespace, app)),
        json.dumps([e.get("message") for e in events["items"]]),
        ctl.log(),
    ):
        assert PASSWORD not in text


def tracked_objects(kubectl: Kubectl, namespace: str, app: str) -> list[Any]:
    selector = f"{TRACKING_LABEL}={tracking_label_value(namespace, app)}"
    found = kubectl.json("get", "all,configmaps", "-n", namespace, "-l", selector)
    items: list[Any] = found["items"]
    return items


def test_repo_creds_never_reach_a_port_that_shares_their_digits(
    kubectl: Kubectl, namespace: str, repo: BareRepo, ctl: RunningController
) -> None:
    port_a, port_b = prefix_ports()  # e.g. 3870 and 38701
    with (
        git_http(repo.path.parent, USERNAME, PASSWORD, port=port_a) as server_a,
        recording_http(port=port_b) as server_b,
    ):
        assert server_b.base_url.startswith(server_a.base_url)  # the old prefix match
        kubectl.apply(repo_creds(namespace, server_a.base_url))
        # The credentials are in use: an Application on server A syncs...
        on_a = application(
            "on-a", namespace, f"{server_a.base_url}/seed.git", automated={"prune": True}
        )
        kubectl.apply(on_a)
        wait_synced_healthy(kubectl, namespace, "on-a")
        assert tracked_objects(kubectl, namespace, "on-a")  # the selector below finds objects
        # ...and one on server B, which asks for credentials, gets none of them.
        lured = application(
            "on-b", namespace, f"{server_b.base_url}/seed.git", automated={"prune": True}
        )
        kubectl.apply(lured)
        wait_refused(kubectl, namespace, "on-b", "authentication failed", server_b)
        assert server_b.seen, "the controller never contacted server B"
        assert server_b.credentials_received() == []
        assert tracked_objects(kubectl, namespace, "on-b") == []
        assert_password_shown_nowhere(kubectl, namespace, ctl, "on-b")


def test_credentials_are_not_sent_after_a_redirect_to_another_host(
    kubectl: Kubectl, namespace: str, ctl: RunningController
) -> None:
    with (
        recording_http(host="localhost") as elsewhere,
        redirecting_http(elsewhere.base_url) as credentialed,
    ):
        kubectl.apply(repo_creds(namespace, credentialed.base_url))
        kubectl.apply(
            application(
                "redirected",
                namespace,
                f"{credentialed.base_url}/seed.git",
                automated={"prune": True},
            )
        )
        saying = "redirects are not followed while credentials are attached"
        wait_refused(kubectl, namespace, "redirected", saying, elsewhere)
        assert credentialed.seen, "the controller never contacted the credentialed server"
        assert elsewhere.credentials_received() == []
        assert tracked_objects(kubectl, namespace, "redirected") == []
        assert_password_shown_nowhere(kubectl, namespace, ctl, "redirected")
