"""The webhook endpoint tells an anonymous caller nothing and refuses unsigned providers.

``POST /api/webhook`` is reachable by anyone who can reach the controller. These stories
run the real controller: an unsigned push is answered without the names (or even the
number) of the Applications it refreshed, a signed one with a number only; and once a
secret is configured for GitHub, an unsigned GitLab or generic push is refused and
refreshes nothing, until ``gitopsd-cm`` allows that one provider explicitly.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.controller import RunningController, controller
from tests.support.gitserver import BareRepo
from tests.support.kube import Kubectl
from tests.support.seed import application

APP = "payments-ledger-prod"  # a name worth hiding
DEPLOYMENT = "dev-guestbook"
OVERLAY = "apps/guestbook/overlays/dev/kustomization.yaml"
GITHUB_SECRET = "gh-hook-secret-5d1e"

pytestmark = pytest.mark.usefixtures("crds")


def post(ctl: RunningController, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{ctl.webhook_port}/api/webhook",
        data=body,
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def generic_push(repo: BareRepo) -> bytes:
    return json.dumps({"repoURL": repo.url, "ref": "refs/heads/main"}).encode()


def gitlab_push(repo: BareRepo) -> tuple[bytes, dict[str, str]]:
    body = {
        "object_kind": "push",
        "ref": "refs/heads/main",
        "project": {"web_url": repo.url, "git_http_url": repo.url, "default_branch": "main"},
        "commits": [],
    }
    return json.dumps(body).encode(), {"X-Gitlab-Event": "Push Hook"}


def github_push(repo: BareRepo, secret: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {"ref": "refs/heads/main", "repository": {"html_url": repo.url, "clone_url": repo.url}}
    ).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-GitHub-Event": "push", "X-Hub-Signature-256": signature}


def image_of(kubectl: Kubectl, namespace: str) -> str:
    deploy = kubectl.get("deployment", "-n", namespace, DEPLOYMENT) or {}
    containers = deploy.get("spec", {}).get("template", {}).get("spec", {}).get("containers")
    return str((containers or [{}])[0].get("image", ""))


def release(repo: BareRepo, tag: str) -> None:
    """Commit a new image tag to the overlay the Application follows."""
    lines = (repo.work / OVERLAY).read_text().splitlines()
    text = "\n".join(
        f"    newTag: {tag}" if line.strip().startswith("newTag:") else line for line in lines
    )
    repo.commit({OVERLAY: text + "\n"}, f"release {tag}")


def deploy_and_wait(kubectl: Kubectl, namespace: str, repo: BareRepo) -> None:
    kubectl.apply(application(APP, namespace, repo.url, automated={"prune": True}))
    kubectl.wait_for(
        lambda: image_of(kubectl, namespace) != "", timeout=60, what=f"{DEPLOYMENT} deployed"
    )


def set_configmap(kubectl: Kubectl, namespace: str, data: dict[str, str]) -> None:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "gitopsd-cm", "namespace": namespace},
        "data": data,
    }
    kubectl.apply(yaml.safe_dump(configmap))


def log_messages(ctl: RunningController) -> list[str]:
    """The messages of the controller's JSON log lines."""
    messages = []
    for line in ctl.log().splitlines():
        try:
            record: dict[str, Any] = json.loads(line)
        except ValueError:
            continue
        messages.append(str(record.get("msg", "")))
    return messages


def refreshes_logged(ctl: RunningController, provider: str) -> list[str]:
    """The controller's log lines about pushes it dispatched for ``provider``."""
    return [m for m in log_messages(ctl) if m.startswith(f"{provider} push to ")]


def test_unauthenticated_webhook_call_learns_no_application_names(
    kubectl: Kubectl, namespace: str, repo: BareRepo, tmp_path: Path, kubeconfig: str
) -> None:
    # No webhook secret at all: pushes are accepted unverified, and told nothing.
    with controller(
        namespace, tmp_path / "ctl", kubeconfig=kubeconfig, reconcile_interval="300s"
    ) as ctl:
        deploy_and_wait(kubectl, namespace, repo)
        release(repo, "9.9.1")
        status, answer = post(ctl, generic_push(repo), {})
        assert (status, json.loads(answer)) == (200, {"result": "accepted"})
        assert APP.encode() not in answer and namespace.encode() not in answer
        # The push did its job: the commit is deployed long before the 300 s poll.
        kubectl.wait_for(
            lambda: image_of(kubectl, namespace).endswith(":9.9.1"),
            timeout=60,
            what="9.9.1 deployed after the unsigned push",
        )


def test_with_a_github_secret_unsigned_gitlab_and_generic_pushes_are_refused(
    kubectl: Kubectl, namespace: str, repo: BareRepo, tmp_path: Path, kubeconfig: str
) -> None:
    kubectl.run(
        "create", "secret", "generic", "gitopsd-secret", "-n", namespace,
        f"--from-literal=webhook.github.secret={GITHUB_SECRET}",
    )  # fmt: skip
    with controller(
        namespace, tmp_path / "ctl", kubeconfig=kubeconfig, reconcile_interval="300s"
    ) as ctl:
        deploy_and_wait(kubectl, namespace, repo)
        before = image_of(kubectl, namespace)
        release(repo, "9.9.2")

        # Forged pushes from providers without a secret of their own: refused, dispatched
        # to nothing (the receiver answers only after dispatching), nothing deployed.
        gitlab_body, gitlab_headers = gitlab_push(repo)
        for body, headers in ((gitlab_body, gitlab_headers), (generic_push(repo), {})):
            status, answer = post(ctl, body, headers)
            assert status == 401, answer
            assert json.loads(answer) == {"error": "signature or token verification failed"}
        assert refreshes_logged(ctl, "gitlab") == []
        assert refreshes_logged(ctl, "generic") == []
        assert image_of(kubectl, namespace) == before
        # The way out is named in the log, once.
        hints = [m for m in log_messages(ctl) if 'webhook.allowUnsigned.gitlab: "true"' in m]
        assert len(hints) == 1, hints
        assert GITHUB_SECRET not in ctl.log()

        # A signed GitHub push is accepted and answered with a count, never names.
        github_body, github_headers = github_push(repo, GITHUB_SECRET)
        status, answer = post(ctl, github_body, github_headers)
        assert (status, json.loads(answer)) == (200, {"result": "accepted", "refreshed": 1})
        kubectl.wait_for(
            lambda: image_of(kubectl, namespace).endswith(":9.9.2"),
            timeout=60,
            what="9.9.2 deployed after the signed push",
        )

        # gitopsd-cm allows GitLab unsigned (read live): GitLab gets through, generic not.
        release(repo, "9.9.3")
        set_configmap(kubectl, namespace, {"webhook.allowUnsigned.gitlab": "true"})
        kubectl.wait_for(
            lambda: post(ctl, gitlab_body, gitlab_headers)[0] == 200,
            timeout=60,
            what="an unsigned GitLab push accepted once gitopsd-cm allows it",
        )
        assert post(ctl, generic_push(repo), {})[0] == 401
        assert refreshes_logged(ctl, "gitlab")
        assert refreshes_logged(ctl, "generic") == []
        kubectl.wait_for(
            lambda: image_of(kubectl, namespace).endswith(":9.9.3"),
            timeout=60,
            what="9.9.3 deployed after the allowed GitLab push",
        )
