"""ApplicationSet stories, end to end: a real controller process, a real Git repository
and the real control plane; each story has its own namespace and its own controller.

Git directories generate one Application per app, owned by the ApplicationSet; a matrix
multiplies lists; a Git outage changes nothing but the conditions; deleting the
ApplicationSet removes, or with ``preserveResourcesOnDeletion`` keeps, what it deployed.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.appsets import (
    APPS,
    APPSETS,
    RESOURCES_FINALIZER,
    app_template,
    appset_manifest,
    condition,
    delete_namespaces,
    exists,
    names,
    owned_applications,
    status_of,
    wait_synced_healthy,
)
from tests.support.controller import RunningController
from tests.support.gitserver import BareRepo
from tests.support.kube import Kubectl

PRODUCTION = "apps/*/overlays/production"


pytestmark = pytest.mark.usefixtures("crds")


@pytest.fixture
def app_namespaces(kubectl: Kubectl, namespace: str) -> Iterator[list[str]]:
    """Namespaces the story's Applications create; removed afterwards."""
    created: list[str] = []
    yield created
    delete_namespaces(kubectl, created)


def production_appset(name: str, namespace: str, repo: BareRepo, *, automated: bool = True) -> str:
    """Git directories over every app's production overlay, one namespace per app."""
    template = app_template(
        "{{path[1]}}", repo.url, "{{path}}", f"{namespace}-{{{{path[1]}}}}", automated=automated
    )
    git = {"repoURL": repo.url, "revision": "main", "directories": [{"path": PRODUCTION}]}
    generators: list[dict[str, Any]] = [{"git": git}]
    return appset_manifest(name, namespace, generators, template)


def gitopsd(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gitopsd.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_git_directories_generate_one_owned_synced_application_per_app(
    kubectl: Kubectl,
    kubeconfig: str,
    namespace: str,
    repo: BareRepo,
    ctl: RunningController,
    app_namespaces: list[str],
) -> None:
    app_namespaces += [f"{namespace}-guestbook", f"{namespace}-podinfo"]
    kubectl.apply(production_appset("production", namespace, repo))

    kubectl.wait_for(
        lambda: (
            names(owned_applications(kubectl, namespace, "production")) == ["guestbook", "podinfo"]
        ),
        timeout=60,
        what="one Application per production overlay, owned by the ApplicationSet",
    )
    for app in ("guestbook", "podinfo"):
        wait_synced_healthy(kubectl, namespace, app)
        assert exists(kubectl, "deployment", f"{namespace}-{app}", f"production-{app}")
    owner = owned_applications(kubectl, namespace, "production")[0]["metadata"]["ownerReferences"][
        0
    ]
    assert (owner["kind"], owner["name"], owner["controller"]) == (
        "ApplicationSet",
        "production",
        True,
    )

    def reported() -> bool:
        status = status_of(kubectl, APPSETS, namespace, "production")
        entries = [(r["name"], r["status"]) for r in status.get("resources") or []]
        up_to_date = condition(status, "ResourcesUpToDate").get("status") == "True"
        return up_to_date and entries == [("guestbook", "Synced"), ("podinfo", "Synced")]

    kubectl.wait_for(reported, timeout=30, what="ApplicationSet status lists both Synced")
    listed = gitopsd("appset", "list", "-n", namespace, "--kubeconfig", kubeconfig)
    assert listed.splitlines()[1].split()[:5] == ["production", "git", "2", "sync", "True"]
    shown = gitopsd("appset", "get", "production", "-n", namespace, "--kubeconfig", kubeconfig)
    assert "ResourcesUpToDate" in shown and "guestbook" in shown and "podinfo" in shown

    # An app removed from Git loses its Application (policy sync); the other one stays.
    repo.commit({"apps/podinfo": None}, "retire podinfo")
    kubectl.wait_for(
        lambda: names(owned_applications(kubectl, namespace, "production")) == ["guestbook"],
        timeout=60,
        what="the podinfo Application deleted after podinfo left Git",
    )
    assert is_up(kubectl, namespace, "guestbook")


def is_up(kubectl: Kubectl, namespace: str, app: str) -> bool:
    return exists(kubectl, APPS, namespace, app)


def test_matrix_of_services_and_environments_creates_updates_and_deletes(
    kubectl: Kubectl, namespace: str, repo: BareRepo, ctl: RunningController
) -> None:
    def manifest(services: list[str], revision: str) -> str:
        template = app_template(
            "{{service}}-{{env}}",
            repo.url,
            "apps/guestbook/overlays/{{env}}",
            f"{namespace}-{{{{service}}}}-{{{{env}}}}",
            automated=False,
        )
        template["spec"]["source"]["targetRevision"] = revision
        matrix = {
            "matrix": {
                "generators": [
                    {"list": {"elements": [{"service": s} for s in services]}},
                    {"list": {"elements": [{"env": "dev"}, {"env": "staging"}]}},
                ]
            }
        }
        return appset_manifest("services", namespace, [matrix], template)

    kubectl.apply(manifest(["billing", "search"], "main"))
    expected = ["billing-dev", "billing-staging", "search-dev", "search-staging"]
    kubectl.wait_for(
        lambda: names(owned_applications(kubectl, namespace, "services")) == expected,
        timeout=60,
        what=f"Applications {expected}",
    )
    app = kubectl.get(APPS, "-n", namespace, "search-staging") or {}
    assert app["spec"]["source"]["path"] == "apps/guestbook/overlays/staging"
    assert app["spec"]["destination"]["namespace"] == f"{namespace}-search-staging"

    # A template change updates every Application; a dropped element deletes its two.
    kubectl.apply(manifest(["billing"], "HEAD"))
    kubectl.wait_for(
        lambda: (
            [
                (a["metadata"]["name"], a["spec"]["source"]["targetRevision"])
                for a in owned_applications(kubectl, namespace, "services")
            ]
            == [("billing-dev", "HEAD"), ("billing-staging", "HEAD")]
        ),
        timeout=60,
        what="billing Applications updated to HEAD and search ones deleted",
    )


def test_a_git_outage_keeps_every_application_and_sets_the_error_condition(
    kubectl: Kubectl,
    namespace: str,
    repo: BareRepo,
    ctl: RunningController,
    app_namespaces: list[str],
) -> None:
    kubectl.apply(production_appset("production", namespace, repo, automated=False))
    kubectl.wait_for(
        lambda: (
            names(owned_applications(kubectl, namespace, "production")) == ["guestbook", "podinfo"]
        ),
        timeout=60,
        what="the two Applications",
    )
    before = {a["metadata"]["uid"] for a in owned_applications(kubectl, namespace, "production")}

    hidden = repo.path.with_name(repo.path.name + ".away")
    repo.path.rename(hidden)
    try:

        def errored() -> str:
            status = status_of(kubectl, APPSETS, namespace, "production")
            failed = condition(status, "ErrorOccurred")
            return str(failed.get("message")) if failed.get("status") == "True" else ""

        message = kubectl.wait_for(errored, timeout=60, what="ErrorOccurred True")
        assert "ApplicationSet/" in message and "production" in message
        status = status_of(kubectl, APPSETS, namespace, "production")
        assert condition(status, "ResourcesUpToDate")["status"] == "False"
        # Further passes during the outage (the interval is 4 s) plan nothing at all.
        marker = f"ApplicationSet/{namespace}/production: "
        kubectl.wait_for(
            lambda: ctl.log().count(marker) >= 3,
            timeout=60,
            what="three failed passes logged during the outage",
        )
        after = {a["metadata"]["uid"] for a in owned_applications(kubectl, namespace, "production")}
        assert after == before
    finally:
        hidden.rename(repo.path)

    kubectl.wait_for(
        lambda: (
            condition(status_of(kubectl, APPSETS, namespace, "production"), "ErrorOccurred").get(
                "status"
            )
            == "False"
        ),
        timeout=60,
        what="ErrorOccurred False after the repository is back",
    )
    assert (
        condition(status_of(kubectl, APPSETS, namespace, "production"), "ResourcesUpToDate")[
            "status"
        ]
        == "True"
    )
    final = {a["metadata"]["uid"] for a in owned_applications(kubectl, namespace, "production")}
    assert final == before


@pytest.mark.parametrize("preserve", [False, True], ids=["cascade", "preserve"])
def test_deleting_the_appset_removes_or_preserves_the_deployed_resources(
    kubectl: Kubectl,
    namespace: str,
    repo: BareRepo,
    ctl: RunningController,
    app_namespaces: list[str],
    preserve: bool,
) -> None:
    target = f"{namespace}-guestbook"
    app_namespaces.append(target)
    template = app_template(
        "guestbook", repo.url, "apps/guestbook/overlays/production", target, finalizer=True
    )
    generators = [{"list": {"elements": [{"app": "guestbook"}]}}]
    policy = {"preserveResourcesOnDeletion": True} if preserve else None
    kubectl.apply(appset_manifest("one", namespace, generators, template, sync_policy=policy))
    kubectl.wait_for(
        lambda: exists(kubectl, APPS, namespace, "guestbook"),
        timeout=60,
        what="the guestbook Application",
    )
    wait_synced_healthy(kubectl, namespace, "guestbook")
    app = kubectl.get(APPS, "-n", namespace, "guestbook") or {}
    finalizers = app["metadata"].get("finalizers") or []
    assert (RESOURCES_FINALIZER in finalizers) is not preserve
    assert exists(kubectl, "deployment", target, "production-guestbook")

    kubectl.run("delete", APPSETS, "-n", namespace, "one", "--wait=false")
    kubectl.wait_for(
        lambda: not exists(kubectl, APPS, namespace, "guestbook"),
        timeout=60,
        what="the Application garbage-collected with its ApplicationSet",
    )
    if preserve:
        assert exists(kubectl, "deployment", target, "production-guestbook")
        assert exists(kubectl, "service", target, "production-guestbook")
    else:
        kubectl.wait_for(
            lambda: not exists(kubectl, "deployment", target, "production-guestbook"),
            timeout=60,
            what="the Deployment removed by the Application's finalizer",
        )
