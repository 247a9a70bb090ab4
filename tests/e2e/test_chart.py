"""The Helm chart against the real control plane: it lints, renders and installs, and its
RBAC is enough. The proof runs the real controller as a process that holds nothing but a
token of the chart's ServiceAccount, with the namespace and environment the chart's
Deployment gives it, and watches it sync an Application from a local Git repository.

kwok fakes the nodes, so the chart's own pods never run and no image is needed. Every
release gets its own namespace and is uninstalled afterwards.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.controller import RunningController, controller, start_controller
from tests.support.kube import Kubectl, condition_true
from tests.support.seed import application, seed_repo
from tests.support.server import admin_password, server
from tests.support.sharding import (
    Api,
    create_small_apps,
    expected_owners,
    lease_expiry,
    small_apps_repo,
    wall,
)

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "gitopsd"
DEPLOYMENT = "dev-guestbook"
CRDS = (
    "applications.gitopsd.io",
    "applicationsets.gitopsd.io",
    "appprojects.gitopsd.io",
)
# Every key the controller reads from gitopsd-secret but Bitbucket Cloud's UUID.
GENERATED_WEBHOOK_KEYS = [
    "webhook.bitbucketserver.secret",
    "webhook.generic.secret",
    "webhook.github.secret",
    "webhook.gitlab.secret",
    "webhook.gogs.secret",
]


@dataclass(frozen=True)
class Release:
    name: str
    namespace: str
    kubeconfig: str
    sets: tuple[str, ...]

    @property
    def fullname(self) -> str:
        return f"{self.name}-gitopsd"

    def helm(self, *args: str) -> str:
        return helm(self.kubeconfig, *args, "--namespace", self.namespace)


def helm(kubeconfig: str, *args: str) -> str:
    done = subprocess.run(
        ["helm", "--kubeconfig", kubeconfig, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    if done.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _set_args(sets: tuple[str, ...]) -> list[str]:
    return [arg for value in sets for arg in ("--set", value)]


@contextmanager
def installed(kubectl: Kubectl, *sets: str) -> Iterator[Release]:
    """``helm install`` into a fresh namespace; uninstall and delete it afterwards."""
    suffix = uuid.uuid4().hex[:5]
    release = Release(f"chart-{suffix}", f"chart-e2e-{suffix}", kubectl.kubeconfig, sets)
    release.helm("install", release.name, str(CHART), "--create-namespace", *_set_args(sets))
    try:
        yield release
    finally:
        release.helm("uninstall", release.name)
        kubectl.run("delete", "namespace", release.namespace, "--wait=false")


@pytest.fixture(scope="module")
def cluster_wide(kubectl: Kubectl) -> Iterator[Release]:
    with installed(kubectl) as release:
        yield release


def token_kubeconfig(
    kubectl: Kubectl, release: Release, path: Path, account: str | None = None
) -> str:
    """A kubeconfig with the test cluster's server and CA and a token of the chart's
    ServiceAccount (the controller's, or ``account``) as its only credential."""
    token = kubectl.run(
        "create", "token", account or release.fullname, "-n", release.namespace, "--duration=1h"
    ).strip()
    config = yaml.safe_load(Path(kubectl.kubeconfig).read_text())
    context = next(c for c in config["contexts"] if c["name"] == config["current-context"])
    cluster = next(c for c in config["clusters"] if c["name"] == context["context"]["cluster"])
    server = dict(cluster["cluster"])
    if "certificate-authority" in server:
        authority = Path(server.pop("certificate-authority")).read_bytes()
        server["certificate-authority-data"] = base64.b64encode(authority).decode()
    account = {"token": token}
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "test", "cluster": server}],
                "users": [{"name": release.fullname, "user": account}],
                "contexts": [
                    {"name": "sa", "context": {"cluster": "test", "user": release.fullname}}
                ],
                "current-context": "sa",
            }
        )
    )
    return str(path)


def chart_controller(kubectl: Kubectl, release: Release) -> tuple[str, dict[str, str]]:
    """The namespace and ``GITOPSD_*`` environment the chart's Deployment runs with."""
    deployment = kubectl.json("get", "deployment", "-n", release.namespace, release.fullname)
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    flags = dict(arg.removeprefix("--").split("=", 1) for arg in container["args"])
    env = {
        e["name"]: e["value"]
        for e in container.get("env") or []
        # The harness passes its own --cache-dir (flags win over the environment).
        if e["name"].startswith("GITOPSD_") and "value" in e and e["name"] != "GITOPSD_CACHE_DIR"
    }
    return flags["namespace"], env


def app_status(kubectl: Kubectl, namespace: str, name: str) -> dict[str, Any]:
    app = kubectl.get("applications.gitopsd.io", "-n", namespace, name) or {}
    status: dict[str, Any] = app.get("status") or {}
    return status


def synced_healthy(kubectl: Kubectl, namespace: str, name: str) -> bool:
    status = app_status(kubectl, namespace, name)
    return (status.get("sync") or {}).get("status") == "Synced" and (
        status.get("health") or {}
    ).get("status") == "Healthy"


def guestbook(namespace: str, repo_url: str, destination: str) -> str:
    """The seed guestbook, automated, into ``destination`` with CreateNamespace=true."""
    body = yaml.safe_load(
        application(
            "guestbook",
            namespace,
            repo_url,
            destination_namespace=destination,
            automated={"prune": True, "selfHeal": True},
            sync_options=["CreateNamespace=true"],
        )
    )
    body["spec"]["syncPolicy"]["managedNamespaceMetadata"] = {"labels": {"team": "guestbook"}}
    return yaml.safe_dump(body)


def post_webhook(ctl: RunningController, body: bytes, token: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{ctl.webhook_port}/api/webhook", data=body, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def secret_values(kubectl: Kubectl, namespace: str) -> dict[str, str]:
    secret = kubectl.json("get", "secret", "-n", namespace, "gitopsd-secret")
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def test_chart_lints_renders_and_installs_every_object(
    kubectl: Kubectl, cluster_wide: Release
) -> None:
    release = cluster_wide
    lint = helm(release.kubeconfig, "lint", "--strict", str(CHART))
    assert "1 chart(s) linted, 0 chart(s) failed" in lint
    rendered = release.helm("template", release.name, str(CHART), *_set_args(release.sets))
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    full = release.fullname
    assert {(d["kind"], d["metadata"]["name"]) for d in docs} >= {
        ("ServiceAccount", full),
        ("ClusterRole", f"{full}-base"),
        ("ClusterRole", f"{full}-manager"),
        ("ClusterRoleBinding", f"{full}-base"),
        ("ClusterRoleBinding", f"{full}-manager"),
        ("Role", full),
        ("RoleBinding", full),
        ("Service", f"{full}-metrics"),
        ("Service", f"{full}-webhook"),
        ("ConfigMap", "gitopsd-cm"),
        ("Secret", "gitopsd-secret"),
        ("Deployment", full),
        ("Deployment", f"{full}-server"),
        ("Service", f"{full}-server"),
        ("ServiceAccount", f"{full}-server"),
        ("Role", f"{full}-server"),
        ("ClusterRole", f"{full}-server-read"),
        ("ConfigMap", "gitopsd-rbac-cm"),
    }
    for doc in docs:  # every rendered object, hooks included, exists in the cluster
        meta = doc["metadata"]
        scope = ["-n", meta["namespace"]] if meta.get("namespace") else []
        group = doc["apiVersion"].rpartition("/")[0]
        kind = f"{doc['kind']}.{group}" if group else doc["kind"]
        assert kubectl.get(kind, *scope, meta["name"]), f"{kind} {meta['name']}"
        if doc["kind"].endswith("Binding"):
            server = meta["name"].startswith(f"{release.fullname}-server")
            name = f"{release.fullname}-server" if server else release.fullname
            account = {"kind": "ServiceAccount", "name": name}
            assert doc["subjects"] == [{**account, "namespace": release.namespace}]

    for name in CRDS:
        crd = kubectl.get("customresourcedefinition", name)
        assert condition_true(crd, "Established"), name
    config = kubectl.json("get", "configmap", "-n", release.namespace, "gitopsd-cm")
    assert config["data"] == {"timeout.reconciliation": "120s"}
    webhook = secret_values(kubectl, release.namespace)
    assert sorted(webhook) == GENERATED_WEBHOOK_KEYS
    assert all(re.fullmatch(r"[A-Za-z0-9]{40}", v) for v in webhook.values())

    # An upgrade keeps the generated secrets, so hooks set up on Git hosts keep working,
    # and does not roll the pods for them.
    template = kubectl.json("get", "deployment", "-n", release.namespace, release.fullname)
    release.helm("upgrade", release.name, str(CHART), "--reuse-values")
    assert secret_values(kubectl, release.namespace) == webhook
    upgraded = kubectl.json("get", "deployment", "-n", release.namespace, release.fullname)
    assert upgraded["spec"]["template"] == template["spec"]["template"]


def test_the_service_account_alone_syncs_an_application(
    kubectl: Kubectl, cluster_wide: Release, tmp_path: Path
) -> None:
    release = cluster_wide
    kubeconfig = token_kubeconfig(kubectl, release, tmp_path / "token-kubeconfig")
    who = Kubectl(kubeconfig).json("auth", "whoami")
    assert who["status"]["userInfo"]["username"] == (
        f"system:serviceaccount:{release.namespace}:{release.fullname}"
    )
    namespace, env = chart_controller(kubectl, release)
    assert namespace == release.namespace
    assert env == {}  # one replica: no sharding, no kopf peering
    repo = seed_repo(tmp_path)
    destination = f"{release.namespace}-dest"
    try:
        with controller(namespace, tmp_path / "ctl", kubeconfig=kubeconfig, env=env) as ctl:
            kubectl.apply(guestbook(namespace, repo.url, destination))
            kubectl.wait_for(
                lambda: synced_healthy(kubectl, namespace, "guestbook"),
                timeout=90,
                what="guestbook Synced and Healthy",
            )
            # CreateNamespace, with the managed metadata.
            created = kubectl.json("get", "namespace", destination)
            assert created["metadata"]["labels"]["team"] == "guestbook"
            assert kubectl.get("deployment", "-n", destination, DEPLOYMENT) is not None
            # Events on the Application.
            reasons = {
                e["reason"]
                for e in kubectl.json("get", "events", "-n", namespace)["items"]
                if e["involvedObject"].get("name") == "guestbook"
            }
            assert {"OperationStarted", "OperationCompleted"} <= reasons
            # The webhook secret the chart generated is the one the controller checks.
            push = json.dumps({"repoURL": repo.url, "ref": "refs/heads/main"}).encode()
            assert post_webhook(ctl, push, None)[0] == 401
            secret = secret_values(kubectl, namespace)["webhook.generic.secret"]
            assert post_webhook(ctl, push, secret) == (
                200,
                {"result": "accepted", "refreshed": 1},
            )
            log = ctl.log()
        assert "forbidden" not in log.lower(), log[-4000:]
    finally:
        kubectl.run("delete", "namespace", destination, "--wait=false", check=False)


def test_three_replicas_from_the_chart_share_and_hand_over(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    """``replicaCount=3`` with the chart's own Lease times: each replica (a process with the
    chart's environment, its ServiceAccount's token and its Pod name as replica id)
    reconciles its share; when one dies, a manual edit to one of its Applications made
    right after is healed within 5 s of its Lease expiring, by a replica whose caches are
    warm; nothing is refused by RBAC."""
    with installed(kubectl, "replicaCount=3") as release:
        kubeconfig = token_kubeconfig(kubectl, release, tmp_path / "token-kubeconfig")
        namespace, env = chart_controller(kubectl, release)
        assert env == {
            "GITOPSD_SHARDING": "true",
            "GITOPSD_LEASE_DURATION": "15s",
            "GITOPSD_RENEW_DEADLINE": "10s",
            "GITOPSD_RETRY_PERIOD": "2s",
        }
        pods = tuple(
            f"{release.fullname}-7d4b9c-{suffix}" for suffix in ("x2k4p", "m9q7z", "t5w3n")
        )
        replicas: dict[str, RunningController] = {}
        try:
            for pod in pods:  # what the downward API gives each Pod
                replicas[pod] = start_controller(
                    namespace,
                    tmp_path / pod,
                    kubeconfig=kubeconfig,
                    env={**env, "GITOPSD_REPLICA_ID": pod},
                )
            repo = small_apps_repo(tmp_path, 18)
            names = create_small_apps(kubectl, namespace, repo.url, 18)
            api = Api.connect(kubectl.kubeconfig, namespace)
            owners = expected_owners(namespace, names, pods)
            kubectl.wait_for(
                lambda: api.synced_by(names, owners),
                timeout=120,
                what="every Application Synced and Healthy, written by its one owner",
                interval=0.5,
            )
            victim = pods[0]
            lost = sorted(n for n, o in owners.items() if o == victim)
            assert lost, owners
            replicas[victim].kill()
            expiry = lease_expiry(api.leases()[victim])
            patch = '{"data":{"colour":"red"}}'
            kubectl.run("patch", "configmap", "-n", namespace, lost[0], "--type=merge", "-p", patch)

            def healed() -> float | None:
                found = api.configmap(lost[0]) or {}
                return wall() if (found.get("data") or {}).get("colour") == "blue" else None

            healed_at = kubectl.wait_for(
                healed,
                timeout=max(expiry - wall(), 0) + 5,
                what="the edit healed within 5 s of the dead replica's Lease expiring",
                interval=0.1,
            )
            print(f"\nchart defaults: healed {healed_at - expiry:.1f} s after the Lease expired")
            assert healed_at >= expiry
            survivors = expected_owners(namespace, names, pods[1:])
            kubectl.wait_for(
                lambda: api.writers() == survivors,
                timeout=30,
                what="the dead replica's share written by the survivors",
            )
            for pod in pods[1:]:
                log = replicas[pod].log()
                assert "forbidden" not in log.lower(), log[-4000:]
        finally:
            for running in replicas.values():
                running.stop()


@dataclass(frozen=True)
class NamespacedInstall:
    release: Release
    destination: str  # the one namespace listed in rbac.namespaces


@pytest.fixture(scope="module")
def namespaced(kubectl: Kubectl) -> Iterator[NamespacedInstall]:
    destination = f"chart-e2e-dest-{uuid.uuid4().hex[:5]}"
    kubectl.run("create", "namespace", destination)  # the chart's Role goes there
    sets = (
        "rbac.clusterWide=false",
        f"rbac.namespaces={{{destination}}}",
    )
    try:
        with installed(kubectl, *sets) as release:
            yield NamespacedInstall(release, destination)
    finally:
        kubectl.run("delete", "namespace", destination, "--wait=false")


def test_namespaced_rbac_grants_only_the_listed_namespaces(
    kubectl: Kubectl, namespaced: NamespacedInstall, tmp_path: Path
) -> None:
    release, destination = namespaced.release, namespaced.destination
    kubeconfig = token_kubeconfig(kubectl, release, tmp_path / "token-kubeconfig")
    account = Kubectl(kubeconfig)

    def can(*args: str) -> bool:
        return account.run("auth", "can-i", *args, check=False).strip() == "yes"

    assert can("create", "deployments", "-n", destination)
    assert can("get", "namespaces")
    assert can("patch", "applications.gitopsd.io/status", "-n", release.namespace)
    assert not can("create", "deployments", "-n", "default")
    assert not can("create", "namespaces")
    assert not can("list", "secrets", "--all-namespaces")
    # The controller starts with these rights alone and reads its own namespace's Secret.
    namespace, env = chart_controller(kubectl, release)
    assert (namespace, env) == (release.namespace, {})
    repo = seed_repo(tmp_path)
    with controller(namespace, tmp_path / "ctl", kubeconfig=kubeconfig, env=env) as ctl:
        push = json.dumps({"repoURL": repo.url, "ref": "refs/heads/main"}).encode()
        secret = secret_values(kubectl, namespace)["webhook.generic.secret"]
        assert post_webhook(ctl, push, "wrong")[0] == 401
        assert post_webhook(ctl, push, secret) == (200, {"result": "accepted", "refreshed": 0})


def test_namespaced_rbac_syncs_into_its_listed_namespace(
    kubectl: Kubectl, namespaced: NamespacedInstall, tmp_path: Path
) -> None:
    release, destination = namespaced.release, namespaced.destination
    kubeconfig = token_kubeconfig(kubectl, release, tmp_path / "token-kubeconfig")
    namespace, env = chart_controller(kubectl, release)
    repo = seed_repo(tmp_path)
    with controller(namespace, tmp_path / "ctl", kubeconfig=kubeconfig, env=env) as ctl:
        kubectl.apply(guestbook(namespace, repo.url, destination))
        # Stop at the first refusal rather than waiting out the timeout.
        kubectl.wait_for(
            lambda: synced_healthy(kubectl, namespace, "guestbook") or "forbidden" in ctl.log(),
            timeout=90,
            what="guestbook Synced and Healthy, or a refusal",
        )
        assert "forbidden" not in ctl.log(), ctl.log()[-4000:]
        assert kubectl.get("deployment", "-n", destination, DEPLOYMENT) is not None
        # Self-heal by watch: far sooner than the 120s refresh of the chart's default.
        kubectl.run("delete", "deployment", "-n", destination, DEPLOYMENT)
        kubectl.wait_for(
            lambda: kubectl.get("deployment", "-n", destination, DEPLOYMENT),
            timeout=20,
            what="the deleted Deployment recreated",
        )


def test_the_server_account_alone_runs_the_api_server(
    kubectl: Kubectl, cluster_wide: Release, tmp_path: Path
) -> None:
    """``gitopsd server`` with nothing but the chart's server token: it creates its
    Secrets, signs the admin in, lists, writes a sync request, reads a resource tree."""
    release = cluster_wide
    account = f"{release.fullname}-server"
    kubeconfig = token_kubeconfig(kubectl, release, tmp_path / "server-kubeconfig", account)
    repo = seed_repo(tmp_path)
    kubectl.apply(application("guestbook", release.namespace, repo.url))
    with server(release.namespace, tmp_path / "server", kubeconfig=kubeconfig) as running:
        api = running.api().as_user("admin", admin_password(kubectl, release.namespace))
        names = [a["metadata"]["name"] for a in api.get("/api/v1/applications").json()["items"]]
        assert names == ["guestbook"]
        synced = api.request("POST", "/api/v1/applications/guestbook/sync", {})
        assert synced.status == 200, synced.text
        app = kubectl.get("applications.gitopsd.io", "-n", release.namespace, "guestbook")
        assert app is not None and app["operation"]["initiatedBy"] == {"username": "admin"}
        assert api.get("/api/v1/applications/guestbook/resource-tree").status == 200
        assert api.get("/api/v1/applications/guestbook/events").status == 200
        logout = api.request("DELETE", "/api/v1/session")
        assert logout.status == 200, logout.text
        log = running.log()
    assert "forbidden" not in log.lower(), log[-4000:]
    # The chart's own webhook keys survive next to the server's.
    values = secret_values(kubectl, release.namespace)
    assert set(GENERATED_WEBHOOK_KEYS) <= set(values)
    assert {"server.secretkey", "admin.password"} <= set(values)
