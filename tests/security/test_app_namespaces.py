"""Applications outside the controller's namespace, against the real control plane and the
real controller.

Who may create an Application in some namespace must not gain more than that namespace's
AppProject grants. The controller (``gitopsd run --application-namespaces``) takes
Applications from its own namespace and the enabled ones; an Application in an enabled
namespace is reconciled only when its project (always a control-plane AppProject) lists
the namespace in ``sourceNamespaces``. Each story proves the refusal with nothing written
besides the condition, next to an Application the same controller does sync, so the
controller is shown to be at work while the refused one stays untouched.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.desired import tracking_label_value
from tests.e2e.test_chart import chart_controller, installed, synced_healthy, token_kubeconfig
from tests.support.appsets import (
    APPS,
    IN_CLUSTER,
    condition,
    delete_namespaces,
    status_of,
    wait_synced_healthy,
)
from tests.support.cli import gitopsd
from tests.support.controller import RunningController, controller
from tests.support.gitserver import BareRepo
from tests.support.kube import Kubectl
from tests.support.seed import application, seed_repo

pytestmark = pytest.mark.usefixtures("crds")

DEPLOYMENT = "dev-guestbook"
TRACKING_LABEL = "gitopsd.io/app"


@pytest.fixture
def tenants(kubectl: Kubectl, namespace: str) -> Iterator[dict[str, str]]:
    """Three tenant namespaces: ``listed`` (enabled, and listed by project ``team``),
    ``unlisted`` (enabled, listed by no project) and ``off`` (not enabled at all)."""
    names = {
        "listed": f"{namespace}-t-listed",
        "unlisted": f"{namespace}-t-unlisted",
        "off": f"{namespace}-off",
    }
    for name in names.values():
        kubectl.run("create", "namespace", name)
    yield names
    delete_namespaces(kubectl, names.values())


def start(
    namespace: str, tmp_path: Path, kubeconfig: str, enabled: str
) -> AbstractContextManager[RunningController]:
    """A controller for ``namespace`` polling every 3 s, with ``--application-namespaces``."""
    return controller(
        namespace,
        tmp_path / "ctl",
        kubeconfig=kubeconfig,
        reconcile_interval="3s",
        extra_args=("--application-namespaces", enabled),
    )


@pytest.fixture
def tenant_ctl(
    crds: None, namespace: str, tenants: dict[str, str], tmp_path: Path, kubeconfig: str
) -> Iterator[RunningController]:
    """A controller for ``namespace`` that also takes Applications from ``<namespace>-t-*``
    (a glob: one cluster-wide watch, filtered)."""
    with start(namespace, tmp_path, kubeconfig, f"{namespace}-t-*") as running:
        yield running


def team_project(namespace: str, tenants: dict[str, str], *, extra: tuple[str, ...] = ()) -> str:
    """Project ``team`` in the control plane: Applications from the ``listed`` namespace,
    deploying into the tenant namespaces only."""
    body = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "team", "namespace": namespace},
        "spec": {
            "sourceRepos": ["*"],
            "sourceNamespaces": [tenants["listed"], *extra],
            "destinations": [{"server": IN_CLUSTER, "namespace": f"{namespace}-t-*"}],
        },
    }
    return yaml.safe_dump(body, sort_keys=False)


def tenant_app(
    name: str,
    namespace: str,
    repo: BareRepo,
    project: str,
    *,
    destination: str | None = None,
    request_sync: bool = False,
) -> str:
    body = yaml.safe_load(
        application(
            name,
            namespace,
            repo.url,
            destination_namespace=destination,
            automated={"prune": True, "selfHeal": True},
        )
    )
    body["spec"]["project"] = project
    if request_sync:  # a requested sync must not run either
        body["operation"] = {"sync": {"prune": True}, "initiatedBy": {"username": "tenant"}}
    return yaml.safe_dump(body, sort_keys=False)


def wait_invalid_spec(kubectl: Kubectl, namespace: str, app: str, naming: str) -> str:
    """The app's InvalidSpecError message once it mentions ``naming`` (before the
    controller has seen the AppProject it may say something else)."""

    def message() -> str:
        found = condition(status_of(kubectl, APPS, namespace, app), "InvalidSpecError")
        text = str(found.get("message") or "")
        return text if naming in text else ""

    found: str = kubectl.wait_for(
        message, timeout=60, what=f"{namespace}/{app}: InvalidSpecError naming {naming!r}"
    )
    return found


def managed_objects(kubectl: Kubectl, namespace: str, app: str) -> list[str]:
    """Every object in the cluster carrying this Application's tracking label."""
    selector = f"{TRACKING_LABEL}={tracking_label_value(namespace, app)}"
    found = kubectl.json("get", "deployment,service,configmap", "-A", "-l", selector)["items"]
    return sorted(
        f"{o['kind']}/{o['metadata']['namespace']}/{o['metadata']['name']}" for o in found
    )


def assert_untouched_but_for_the_condition(kubectl: Kubectl, namespace: str, app: str) -> None:
    body = kubectl.get(APPS, "-n", namespace, app) or {}
    status = body.get("status") or {}
    assert set(status) <= {"conditions", "sync", "reconciledAt", "operationState"}, status
    assert status["sync"]["status"] == "Unknown"
    assert "resources" not in status and "history" not in status
    state = status.get("operationState")
    if state is not None:  # a requested sync ends in Error, having applied nothing
        assert state["phase"] == "Error", state
        assert "(sourceNamespaces)" in state["message"]
        assert not (state.get("syncResult") or {}).get("resources")
    assert managed_objects(kubectl, namespace, app) == []
    assert kubectl.get("deployment", "-n", namespace, DEPLOYMENT) is None


def test_an_application_in_a_namespace_its_project_does_not_list_is_refused(
    kubectl: Kubectl,
    namespace: str,
    tenants: dict[str, str],
    repo: BareRepo,
    tenant_ctl: RunningController,
) -> None:
    kubectl.apply(team_project(namespace, tenants))
    unlisted = tenants["unlisted"]
    kubectl.apply(tenant_app("guestbook", unlisted, repo, "team", request_sync=True))
    kubectl.apply(tenant_app("fallback", unlisted, repo, "default"))
    # The same controller syncs an Application its project admits meanwhile.
    kubectl.apply(tenant_app("guestbook", tenants["listed"], repo, "team"))

    message = wait_invalid_spec(kubectl, unlisted, "guestbook", "(sourceNamespaces)")
    assert message == (
        f"application namespace {unlisted} is not permitted in project team (sourceNamespaces)"
    )
    message = wait_invalid_spec(kubectl, unlisted, "fallback", "(sourceNamespaces)")
    assert message == (
        f"application namespace {unlisted} is not permitted in project default (sourceNamespaces)"
    )
    wait_synced_healthy(kubectl, tenants["listed"], "guestbook")
    for app in ("guestbook", "fallback"):
        assert_untouched_but_for_the_condition(kubectl, unlisted, app)
    # The requested sync never ran: it ended in Error (and was consumed) with the reason.
    refused = kubectl.get(APPS, "-n", unlisted, "guestbook") or {}
    assert refused["status"]["operationState"]["phase"] == "Error"
    kubectl.wait_for(
        lambda: not (kubectl.get(APPS, "-n", unlisted, "guestbook") or {}).get("operation"),
        timeout=30,
        what="the refused request to be consumed",
    )


@pytest.mark.parametrize("mode", ["names", "glob"])
def test_an_application_in_a_listed_namespace_syncs_with_status_there(
    kubectl: Kubectl,
    namespace: str,
    tenants: dict[str, str],
    repo: BareRepo,
    tmp_path: Path,
    kubeconfig: str,
    capsys: pytest.CaptureFixture[str],
    mode: str,
) -> None:
    listed = tenants["listed"]
    enabled = f"{listed},{tenants['unlisted']}" if mode == "names" else f"{namespace}-t-*"
    kubectl.apply(team_project(namespace, tenants))
    with start(namespace, tmp_path, kubeconfig, enabled):
        kubectl.apply(tenant_app("guestbook", listed, repo, "team"))
        wait_synced_healthy(kubectl, listed, "guestbook")

        deployment = kubectl.get("deployment", "-n", listed, DEPLOYMENT) or {}
        annotations = deployment["metadata"]["annotations"]
        assert annotations["gitopsd.io/tracking-id"].startswith(f"{listed}_guestbook:")
        assert managed_objects(kubectl, listed, "guestbook")
        # Status and Events are written in the Application's own namespace.
        assert not kubectl.json("get", APPS, "-n", namespace)["items"]
        events = kubectl.json(
            "get", "events", "-n", listed, "--field-selector", "involvedObject.name=guestbook"
        )["items"]
        assert "OperationCompleted" in {e["reason"] for e in events}
        # The people's verbs reach it as NAMESPACE/NAME or with --app-namespace.
        common = ("--kubeconfig", kubeconfig, "-n", namespace)
        code, out, _ = gitopsd(capsys, "app", "get", f"{listed}/guestbook", *common, "-o", "json")
        assert code == 0 and json.loads(out)["status"]["sync"]["status"] == "Synced"
        code, out, _ = gitopsd(capsys, "app", "wait", "guestbook", "-N", listed, *common)
        assert (code, out.strip()) == (0, f"Application/{listed}/guestbook: Synced, Healthy")


def test_an_application_in_a_namespace_not_enabled_is_not_touched_at_all(
    kubectl: Kubectl,
    namespace: str,
    tenants: dict[str, str],
    repo: BareRepo,
    tenant_ctl: RunningController,
) -> None:
    """Outside ``--application-namespaces`` an Application is outside the controller's
    scope: it is not reconciled, and no status, condition or Event is written to it, even
    when a project lists its namespace."""
    off = tenants["off"]
    kubectl.apply(team_project(namespace, tenants, extra=(off,)))
    kubectl.apply(tenant_app("guestbook", off, repo, "team", destination=tenants["listed"]))
    before = kubectl.get(APPS, "-n", off, "guestbook") or {}
    # Created after it, an admitted Application is synced by the same controller.
    kubectl.apply(tenant_app("witness", tenants["listed"], repo, "team"))
    wait_synced_healthy(kubectl, tenants["listed"], "witness")

    after = kubectl.get(APPS, "-n", off, "guestbook") or {}
    assert "status" not in after
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert managed_objects(kubectl, off, "guestbook") == []
    events = kubectl.json("get", "events", "-n", off)["items"]
    assert [e for e in events if e["involvedObject"].get("kind") == "Application"] == []
    assert f"{off}/guestbook" not in tenant_ctl.log()


def permissive_project(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "sourceRepos": ["*"],
            "sourceNamespaces": ["*"],
            "destinations": [{"server": "*", "namespace": "*"}],
            "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
        },
    }


def test_an_appproject_made_in_a_tenant_namespace_is_never_used(
    kubectl: Kubectl,
    namespace: str,
    tenants: dict[str, str],
    repo: BareRepo,
    tenant_ctl: RunningController,
) -> None:
    listed = tenants["listed"]
    elsewhere = tenants["off"]  # a namespace the control plane's team may not deploy to
    kubectl.apply(team_project(namespace, tenants))
    # The tenant writes two wide-open projects into its own namespace: a new name, and
    # one shadowing the control plane's ``team``.
    for name in ("wide-open", "team"):
        kubectl.apply(yaml.safe_dump(permissive_project(name, listed)))
    kubectl.apply(tenant_app("escape", listed, repo, "wide-open", destination=elsewhere))
    kubectl.apply(tenant_app("shadow", listed, repo, "team", destination=elsewhere))
    kubectl.apply(tenant_app("witness", listed, repo, "team"))

    message = wait_invalid_spec(kubectl, listed, "escape", "wide-open")
    assert message == "application references project wide-open which does not exist"
    message = wait_invalid_spec(kubectl, listed, "shadow", "(destinations)")
    assert message == (
        f"destination {IN_CLUSTER}:{elsewhere} is not permitted in project team (destinations)"
    )
    wait_synced_healthy(kubectl, listed, "witness")
    for app in ("escape", "shadow"):
        assert managed_objects(kubectl, listed, app) == []
    assert kubectl.get("deployment", "-n", elsewhere, DEPLOYMENT) is None


def test_the_charts_rbac_serves_application_namespaces_and_nothing_more(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    """Installed with namespaced RBAC and one application namespace, the chart's
    ServiceAccount alone syncs an Application living there, and may do nothing in that
    namespace but watch Applications, write their status and record Events."""
    suffix = uuid.uuid4().hex[:5]
    apps, destination = f"chart-apps-{suffix}", f"chart-dest-{suffix}"
    for name in (apps, destination):
        kubectl.run("create", "namespace", name)
    sets = (
        "rbac.clusterWide=false",
        f"rbac.namespaces={{{destination}}}",
        f"controller.applicationNamespaces={{{apps}}}",
    )
    try:
        with installed(kubectl, *sets) as release:
            kubeconfig = token_kubeconfig(kubectl, release, tmp_path / "token-kubeconfig")
            account = Kubectl(kubeconfig)

            def can(*args: str) -> bool:
                return account.run("auth", "can-i", *args, check=False).strip() == "yes"

            for verb in ("get", "list", "watch", "patch"):
                assert can(verb, "applications.gitopsd.io", "-n", apps), verb
            assert can("patch", "applications.gitopsd.io/status", "-n", apps)
            assert can("create", "events", "-n", apps)
            assert not can("delete", "applications.gitopsd.io", "-n", apps)
            assert not can("create", "applications.gitopsd.io", "-n", apps)
            for resource in ("secrets", "configmaps", "appprojects.gitopsd.io"):
                assert not can("get", resource, "-n", apps), resource
            assert not can("create", "deployments", "-n", apps)
            assert not can("list", "applications.gitopsd.io", "--all-namespaces")

            namespace, env = chart_controller(kubectl, release)
            deployment = kubectl.json("get", "deployment", "-n", namespace, release.fullname)
            (container,) = deployment["spec"]["template"]["spec"]["containers"]
            assert f"--application-namespaces={apps}" in container["args"]
            kubectl.apply(
                yaml.safe_dump(
                    {
                        "apiVersion": "gitopsd.io/v1alpha1",
                        "kind": "AppProject",
                        "metadata": {"name": "team", "namespace": namespace},
                        "spec": {
                            "sourceRepos": ["*"],
                            "sourceNamespaces": [apps],
                            "destinations": [{"server": IN_CLUSTER, "namespace": destination}],
                        },
                    }
                )
            )
            repo = seed_repo(tmp_path)
            extra = ("--application-namespaces", apps)
            with controller(
                namespace, tmp_path / "ctl", kubeconfig=kubeconfig, env=env, extra_args=extra
            ) as ctl:
                kubectl.apply(tenant_app("guestbook", apps, repo, "team", destination=destination))
                kubectl.wait_for(
                    lambda: synced_healthy(kubectl, apps, "guestbook") or "forbidden" in ctl.log(),
                    timeout=90,
                    what="guestbook Synced and Healthy, or a refusal",
                )
                assert "forbidden" not in ctl.log().lower(), ctl.log()[-4000:]
                assert kubectl.get("deployment", "-n", destination, DEPLOYMENT) is not None
    finally:
        delete_namespaces(kubectl, (apps, destination))


def test_namespaces_enabled_in_gitopsd_cm_apply_without_a_restart(
    kubectl: Kubectl,
    namespace: str,
    tenants: dict[str, str],
    repo: BareRepo,
    ctl: RunningController,
) -> None:
    """``application.namespaces`` in gitopsd-cm widens the scope of a running controller
    started without ``--application-namespaces``."""
    listed = tenants["listed"]
    kubectl.apply(team_project(namespace, tenants))
    kubectl.apply(tenant_app("guestbook", listed, repo, "team"))
    kubectl.apply(tenant_app("witness", namespace, repo, "default"))
    wait_synced_healthy(kubectl, namespace, "witness")
    assert "status" not in (kubectl.get(APPS, "-n", listed, "guestbook") or {})

    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "gitopsd-cm", "namespace": namespace},
        "data": {"application.namespaces": f"{listed}, {namespace}-unrelated-*"},
    }
    kubectl.apply(yaml.safe_dump(configmap))
    wait_synced_healthy(kubectl, listed, "guestbook")
    assert kubectl.get("deployment", "-n", listed, DEPLOYMENT) is not None
