"""SSO through a real identity provider (Ory Hydra), CI tokens and the CLI through the
server, against the real control plane and a real controller.

Hydra signs people in through the tests' login/consent app, which puts ``groups`` into
the ID token as Azure AD or Okta would. ``gitopsd-cm`` carries an Argo CD ``oidc.config``
block (client secret by ``$reference`` from ``gitopsd-secret``) and ``gitopsd-rbac-cm``
the seeds' lines. Stories: alice of ``backend-team`` signs in through the browser flow
and may sync backend apps only; a project role token syncs, is revoked, and is then
refused by every replica; a developer with no kubeconfig signs the CLI in
(``--username`` and ``--sso``) and lists and syncs; and the web UI's "Log in via SSO" is
clicked in a real browser (Debian's Chromium).
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect

from tests.support.browser import chromium, ui_page
from tests.support.controller import RunningController
from tests.support.gitserver import bare_repo, free_port
from tests.support.kube import Kubectl
from tests.support.oidc import Browser, Hydra, User, hydra
from tests.support.server import Api, RunningServer, admin_password, server, set_password

POLICY = """\
p, role:backend-deployer, applications, *, backend/*, allow
p, role:backend-deployer, projects, get, backend, allow
g, backend-team, role:backend-deployer
g, dev, role:backend-deployer
"""
CLIENT_SECRET = "hydra-client-secret-for-gitopsd"
ALICE = User("alice", "alice@example.com", ("backend-team",))
DEV_PASSWORD = "dev-password-1"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hydra]:
    with hydra(tmp_path_factory.mktemp("hydra")) as running:
        yield running


def project(name: str, namespace: str, roles: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [{"server": "*", "namespace": "*"}],
            "roles": roles or [],
        },
    }


def application(name: str, proj: str, namespace: str, repo_url: str) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "project": proj,
            "source": {"repoURL": repo_url, "targetRevision": "main", "path": proj},
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


@dataclass
class SsoSetup:
    server: RunningServer
    idp: Hydra
    namespace: str
    cli_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


@pytest.fixture
def sso(
    crds: None, namespace: str, tmp_path: Path, kubectl: Kubectl, kubeconfig: str, idp: Hydra
) -> Iterator[SsoSetup]:
    repo = bare_repo(tmp_path)
    repo.commit(
        {
            "backend/cm.yaml": configmap("backend-settings", namespace),
            "frontend/cm.yaml": configmap("frontend-settings", namespace),
        }
    )
    ci_role = {
        "name": "ci",
        "policies": ["p, proj:backend:ci, applications, sync, backend/*, allow"],
    }
    kubectl.apply(
        yaml.safe_dump_all(
            [
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "gitopsd-rbac-cm", "namespace": namespace},
                    "data": {"policy.csv": POLICY},
                },
                project("backend", namespace, [ci_role]),
                project("frontend", namespace),
                application("backend-api", "backend", namespace, repo.url),
                application("frontend-web", "frontend", namespace, repo.url),
            ]
        )
    )
    with server(namespace, tmp_path / "server", kubeconfig=kubeconfig) as running:
        url = f"http://127.0.0.1:{running.port}"
        cli_port = free_port()
        web = idp.create_client([f"{url}/auth/callback"], secret=CLIENT_SECRET)
        cli = idp.create_client([f"http://localhost:{cli_port}/auth/callback"])
        oidc = {
            "name": "Hydra",
            "issuer": idp.issuer,
            "clientID": web["client_id"],
            "clientSecret": "$oidc.hydra.clientSecret",
            "cliClientID": cli["client_id"],
            "requestedScopes": ["openid", "profile", "email", "groups"],
        }
        secret = base64.b64encode(CLIENT_SECRET.encode()).decode()
        kubectl.run(
            "-n",
            namespace,
            "patch",
            "secret",
            "gitopsd-secret",
            "--type",
            "merge",
            "-p",
            json.dumps({"data": {"oidc.hydra.clientSecret": secret}}),
        )
        kubectl.apply(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "gitopsd-cm", "namespace": namespace},
                    "data": {
                        "url": url,
                        "oidc.config": yaml.safe_dump(oidc),
                        "accounts.dev": "login",
                    },
                }
            )
        )
        set_password(kubectl, namespace, "dev", DEV_PASSWORD)
        running.api().get("/api/v1/settings")
        kubectl.wait_for(
            lambda: "oidcConfig" in (running.api().get("/api/v1/settings").json() or {}),
            timeout=30,
            what="the server to see oidc.config",
        )
        yield SsoSetup(running, idp, namespace, cli_port)


def browser_sign_in(setup: SsoSetup, user: User, return_url: str = "/applications") -> Browser:
    setup.idp.login_app.next_user = user
    browser = Browser()
    status, _, _ = browser.follow(f"{setup.url}/auth/login?return_url={return_url}")
    assert status == 200, browser.hops
    assert browser.hops[-1].url == f"{setup.url}{return_url}"
    return browser


def names(api: Api) -> list[str]:
    answer = api.get("/api/v1/applications")
    assert answer.status == 200, answer.text
    return sorted(a["metadata"]["name"] for a in answer.json()["items"])


def history(kubectl: Kubectl, namespace: str, app: str) -> list[dict[str, Any]]:
    found = kubectl.get("-n", namespace, "application", app) or {}
    return list((found.get("status") or {}).get("history") or [])


def test_sso_through_hydra_gives_a_session_whose_groups_drive_rbac(
    sso: SsoSetup, kubectl: Kubectl, ctl: RunningController
) -> None:
    browser = browser_sign_in(sso, ALICE)
    hosts = [hop.url.split("/")[2] for hop in browser.hops]
    assert f"127.0.0.1:{sso.idp.public_port}" in hosts  # it really went through Hydra
    alice = Api(sso.server.port, token=browser.cookie("gitopsd.token"))
    info = alice.get("/api/v1/session/userinfo").json()
    assert info["username"] == "alice" and info["groups"] == ["backend-team"]
    assert info["iss"] == sso.idp.issuer
    assert names(alice) == ["backend-api"]

    refused = alice.request("POST", "/api/v1/applications/frontend-web/sync", {})
    assert refused.status == 403
    assert kubectl.get("-n", sso.namespace, "application", "frontend-web").get("operation") is None
    assert alice.request("POST", "/api/v1/applications/backend-api/sync", {}).status == 200
    synced = kubectl.wait_for(
        lambda: history(kubectl, sso.namespace, "backend-api"),
        timeout=60,
        what="backend-api synced",
    )
    assert synced[-1]["initiatedBy"]["username"] == "alice@example.com"
    assert kubectl.get("-n", sso.namespace, "configmap", "backend-settings") is not None
    assert kubectl.get("-n", sso.namespace, "configmap", "frontend-settings") is None

    audit = [json.loads(line) for line in sso.server.log().splitlines() if '"audit": true' in line]
    logins = [a for a in audit if a["action"] == "login" and a["result"] == "allowed"]
    assert logins[-1]["user"] == "alice" and logins[-1]["groups"] == ["backend-team"]
    syncs = [a for a in audit if a["action"] == "sync" and a["result"] == "allowed"]
    assert syncs[-1]["email"] == "alice@example.com" and syncs[-1]["groups"] == ["backend-team"]
    assert CLIENT_SECRET not in sso.server.log()


def test_project_role_token_syncs_then_is_revoked_on_every_replica(
    sso: SsoSetup, kubectl: Kubectl, ctl: RunningController, tmp_path: Path, kubeconfig: str
) -> None:
    admin = sso.server.api().as_user("admin", admin_password(kubectl, sso.namespace))
    created = admin.request(
        "POST", "/api/v1/projects/backend/roles/ci/token", {"expiresIn": 3600, "id": "pipeline"}
    )
    assert created.status == 200, created.text
    token = created.json()["token"]
    recorded = kubectl.get("-n", sso.namespace, "appproject", "backend")["spec"]["roles"][0]
    assert [entry["id"] for entry in recorded["jwtTokens"]] == ["pipeline"]
    assert token not in json.dumps(recorded)

    ci = Api(sso.server.port, token=token)
    kubectl.wait_for(
        lambda: ci.request("POST", "/api/v1/applications/backend-api/sync", {}).status == 200,
        timeout=30,
        what="the role token to be accepted",
    )
    assert ci.request("POST", "/api/v1/applications/frontend-web/sync", {}).status == 403
    kubectl.wait_for(
        lambda: history(kubectl, sso.namespace, "backend-api"), timeout=60, what="the CI sync"
    )

    iat = recorded["jwtTokens"][0]["iat"]
    assert admin.request("DELETE", f"/api/v1/projects/backend/roles/ci/token/{iat}").status == 200
    assert ci.get("/api/v1/applications").status == 401
    left = kubectl.get("-n", sso.namespace, "appproject", "backend")["spec"]["roles"][0]
    assert left.get("jwtTokens") == []
    with server(sso.namespace, tmp_path / "replica", kubeconfig=kubeconfig) as replica:
        again = Api(replica.port, token=token)
        assert again.request("POST", "/api/v1/applications/backend-api/sync", {}).status == 401
    before = kubectl.get("-n", sso.namespace, "application", "backend-api")
    assert before.get("operation") is None


def cli(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitopsd.cli.main", *args],
        env=_cli_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _cli_env(home: Path) -> dict[str, str]:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "XDG_CONFIG_HOME")
    }
    return {**environment, "HOME": str(home)}


def test_cli_logs_in_and_works_without_a_kubeconfig(
    sso: SsoSetup, kubectl: Kubectl, ctl: RunningController, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    server_arg = f"127.0.0.1:{sso.server.port}"
    login = cli(
        home, "login", server_arg, "--plaintext", "--username", "dev", "--password", DEV_PASSWORD
    )
    assert login.returncode == 0, login.stderr
    assert "'dev' logged in successfully" in login.stdout
    config = home / ".config" / "gitopsd" / "config"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    token = yaml.safe_load(config.read_text())["users"][0]["auth-token"]
    assert token not in login.stdout + login.stderr

    listed = cli(home, "app", "list")
    assert listed.returncode == 0, listed.stderr
    assert "backend-api" in listed.stdout and "frontend-web" not in listed.stdout
    denied = cli(home, "app", "sync", "frontend-web", "--timeout", "30")
    assert denied.returncode == 1
    assert "permission denied" in denied.stderr
    synced = cli(home, "app", "sync", "backend-api", "--timeout", "90")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "by dev" in synced.stdout
    assert history(kubectl, sso.namespace, "backend-api")[-1]["initiatedBy"]["username"] == "dev"
    diff = cli(home, "app", "diff", "backend-api")
    assert diff.returncode == 0, diff.stdout + diff.stderr
    resources = cli(home, "app", "resources", "backend-api")
    assert "backend-settings" in resources.stdout, resources.stderr
    manifests = cli(home, "app", "manifests", "backend-api")
    assert "name: backend-settings" in manifests.stdout, manifests.stderr
    projects = cli(home, "proj", "list")
    assert "backend" in projects.stdout and "frontend" not in projects.stdout, projects.stderr

    # SSO from the terminal: the CLI listens on localhost, the "browser" follows the URL
    # it prints through Hydra and the login app back to the CLI.
    sso.idp.login_app.next_user = ALICE
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gitopsd.cli.main",
            "login",
            server_arg,
            "--plaintext",
            "--sso",
            "--sso-port",
            str(sso.cli_port),
            "--sso-timeout",
            "60",
        ],
        env=_cli_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.split(": ", 1)[1].strip()
        status, _, body = Browser().follow(url)
        assert status == 200 and b"Signed in" in body
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0, err
    assert "'alice' logged in successfully" in out
    assert cli(home, "context").stdout.count("*") == 1
    listed = cli(home, "app", "list")
    assert "backend-api" in listed.stdout and "frontend-web" not in listed.stdout
    got = cli(home, "app", "get", "backend-api", "--refresh")
    assert got.returncode == 0 and "backend-api" in got.stdout, got.stderr
    out_of_bounds = cli(home, "app", "get", "frontend-web")
    assert out_of_bounds.returncode != 0

    logout = cli(home, "logout")
    assert logout.returncode == 0, logout.stderr
    after = cli(home, "app", "list")
    assert after.returncode != 0 and "gitopsd login" in after.stderr


def test_the_web_ui_signs_in_through_sso_in_a_real_browser(sso: SsoSetup, kubectl: Kubectl) -> None:
    # The same flow as above, clicked in Debian's Chromium: the sign-in page offers SSO,
    # Hydra's login app signs alice in, and the UI shows her backend apps only.
    sso.idp.login_app.next_user = ALICE
    with chromium() as running, ui_page(running, sso.url, "sso") as ui:
        page = ui.page
        ui.goto("/applications")
        expect(page.get_by_role("heading", name="Sign in to gitopsd")).to_be_visible()
        expect(page.get_by_text("with Hydra")).to_be_visible()
        ui.shot("sso-offered")
        page.get_by_role("link", name="Log in via SSO").click()
        expect(page.get_by_text("backend-api").first).to_be_visible(timeout=60_000)
        expect(page.get_by_text("frontend-web")).to_have_count(0)
        assert page.url.startswith(f"{sso.url}/applications")
        ui.shot("sso-signed-in")
        assert ui.dialogs == []
    hosts = {urllib.parse.urlsplit(url).netloc for url in ui.visited}
    assert f"127.0.0.1:{sso.idp.public_port}" in hosts  # it really went through Hydra
