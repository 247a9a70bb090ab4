"""The web UI in a real browser (Debian's Chromium, driven by Playwright) against the real
control plane, the real controller and the real ``gitopsd server``.

Stories: signing in (a wrong password, the rate-limit message, then the admin); the app
list (tiles, filters, table, a narrow window); an app's tree and its diff with no Secret
value anywhere in what the browser received; a sync from the button; a rollback from the
history; a read-only user who sees no Sync or Delete; a live update after ``kubectl
scale`` without a reload; text that looks like markup in manifests, events and commits
shown as text and never run; and a sync done with the keyboard alone. Screenshots go to
``.work/artifacts/ui/``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, Locator, expect

from tests.support.browser import UiPage, chromium, ui_page
from tests.support.controller import RunningController
from tests.support.gitserver import BareRepo, bare_repo
from tests.support.kube import Kubectl
from tests.support.server import Api, RunningServer, admin_password, server, set_password

APP = "web"
SECRET_VALUE = "hunter2-never-in-the-browser"
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def api_server(
    crds: None, namespace: str, tmp_path: Path, kubeconfig: str
) -> Iterator[RunningServer]:
    with server(namespace, tmp_path / "server", kubeconfig=kubeconfig) as running:
        yield running


def manifests(namespace: str, colour: str, *, note: str = "settings") -> dict[str, str]:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "web-settings", "namespace": namespace, "annotations": {"note": note}},
        "data": {"colour": colour},
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "web-credentials", "namespace": namespace},
        "stringData": {"password": SECRET_VALUE},
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "registry.example.com/web:1"}]},
            },
        },
    }
    return {
        "web/settings.yaml": yaml.safe_dump(configmap),
        "web/credentials.yaml": yaml.safe_dump(secret),
        "web/deployment.yaml": yaml.safe_dump(deployment),
    }


def application(namespace: str, repo: BareRepo, *, labels: dict[str, str] | None = None) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "gitopsd.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": APP, "namespace": namespace, "labels": labels or {"team": "web"}},
            "spec": {
                "project": "default",
                "source": {"repoURL": repo.url, "targetRevision": "main", "path": "web"},
                "destination": {
                    "server": "https://kubernetes.default.svc",
                    "namespace": namespace,
                },
            },
        }
    )


def colour(kubectl: Kubectl, namespace: str) -> str | None:
    live = kubectl.get("-n", namespace, "configmap", "web-settings")
    return None if live is None else str(live["data"]["colour"])


def app_status(api: Api, name: str = APP) -> dict[str, Any]:
    answer = api.get(f"/api/v1/applications/{name}")
    assert answer.status == 200, answer.text
    return dict(answer.json().get("status") or {})


def sync_card(ui: UiPage) -> Locator:
    return ui.page.get_by_role("region", name="Sync status")


def sync_and_wait(kubectl: Kubectl, api: Api, namespace: str, wanted: str) -> None:
    kubectl.wait_for(
        lambda: api.request("POST", f"/api/v1/applications/{APP}/sync", {}).status == 200,
        timeout=60,
        what="the sync request to be accepted",
    )
    kubectl.wait_for(
        lambda: (
            colour(kubectl, namespace) == wanted
            and app_status(api).get("sync", {}).get("status") == "Synced"
            and app_status(api).get("operationState", {}).get("phase") == "Succeeded"
        ),
        timeout=90,
        what=f"the app synced with colour {wanted}",
    )


def assert_nothing_ran(ui: UiPage) -> None:
    assert ui.dialogs == [], f"the page opened dialogs: {ui.dialogs}"
    assert ui.errors == [], f"script errors on the page: {ui.errors}"
    assert ui.evaluate("() => window.__xss === undefined")
    assert (
        ui.evaluate("() => document.querySelectorAll('img[src=\"x\"], script:not([src])').length")
        == 0
    )


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button, a[href]')]
  .filter((e) => e.getClientRects().length > 0)
  .filter((e) => {
    const named = e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
      || (e.labels && e.labels.length) || (e.textContent || '').trim() || e.title;
    return !named;
  })
  .map((e) => e.outerHTML.slice(0, 120))"""


def assert_labelled(ui: UiPage) -> None:
    """Every visible control has a name a screen reader can read out."""
    assert ui.evaluate(UNLABELLED) == []


def assert_no_secret(ui: UiPage) -> None:
    assert SECRET_VALUE not in ui.page.content()
    leaked = [body[:200] for body in ui.bodies if SECRET_VALUE in body]
    assert leaked == [], f"Secret value sent to the browser: {leaked}"


def test_sign_in_list_tree_and_diff(
    browser: Browser,
    namespace: str,
    tmp_path: Path,
    kubectl: Kubectl,
    ctl: RunningController,
    api_server: RunningServer,
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(manifests(namespace, "blue"), "blue settings")
    kubectl.apply(application(namespace, repo))
    password = admin_password(kubectl, namespace)
    api = api_server.api().as_user("admin", password)
    sync_and_wait(kubectl, api, namespace, "blue")
    base = f"http://127.0.0.1:{api_server.port}"

    with ui_page(browser, base, "signin") as ui:
        page = ui.page
        # Signed out, any page leads to sign-in, and comes back after it.
        ui.goto(f"/applications/{namespace}/{APP}")
        expect(page.get_by_role("heading", name="Sign in to gitopsd")).to_be_visible()
        expect(page.get_by_role("link", name="Log in via SSO")).to_have_count(0)
        assert_labelled(ui)
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_have_text("Invalid user name or password.")
        ui.shot("wrong-password")
        for _ in range(6):  # five failures for a name, then it is refused for a while
            page.get_by_label("User name").fill("mallory")
            page.get_by_label("Password").fill("guess")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
        expect(page.get_by_role("alert")).to_contain_text("Too many sign-in attempts")
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name=APP, level=1)).to_be_visible()
        assert page.url.endswith(f"/applications/{namespace}/{APP}")

        # The list: a tile with both statuses, filters that narrow it, the table view.
        page.get_by_role("link", name="Applications", exact=True).first.click()
        tile = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=APP))
        expect(tile).to_contain_text("Synced")
        expect(tile).to_contain_text("Healthy")
        expect(page.get_by_role("status").filter(has_text="Showing")).to_have_text(
            "Showing 1 application"
        )
        ui.shot("list-tiles")
        assert_labelled(ui)
        page.get_by_role("searchbox", name="Search applications by name").fill("nothing-like-it")
        expect(page.get_by_text("No applications match these filters")).to_be_visible()
        page.get_by_role("button", name="Clear all filters").first.click()
        page.get_by_label("Labels").fill("team=web")
        expect(page.get_by_role("link", name=APP)).to_be_visible()
        page.get_by_label("Labels").fill("team!=web")
        expect(page.get_by_role("link", name=APP)).to_have_count(0)
        page.get_by_label("Labels").fill("")
        page.get_by_role("button", name="Table").click()
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=APP))
        expect(row).to_contain_text("default")
        assert "view=table" in page.url
        ui.shot("list-table")

        # The app: its tree with owned objects, per-object status, the diff panel.
        row.get_by_role("link", name=APP).click()
        expect(sync_card(ui)).to_contain_text("Synced")
        tree = page.get_by_role("list", name="Resources")
        expect(tree.get_by_role("button", name=f"Deployment {namespace}/web")).to_be_visible()
        expect(
            tree.get_by_role("button", name=f"ConfigMap {namespace}/web-settings")
        ).to_be_visible()
        expect(
            tree.get_by_role("button", name=f"Secret {namespace}/web-credentials")
        ).to_be_visible()
        expect(tree.get_by_text("ReplicaSet")).to_be_visible(timeout=WAIT_MS)
        ui.shot("app-tree")
        assert_labelled(ui)
        tree.get_by_role("button", name=f"Secret {namespace}/web-credentials").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("tab", name="Live manifest").click()
        expect(dialog.get_by_label("Live object YAML")).to_contain_text("++++++++")
        dialog.get_by_role("tab", name="Diff").click()
        expect(dialog.get_by_text("The fields Git sets match the live object.")).to_be_visible()
        ui.shot("secret-diff")
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)

        page.get_by_role("tab", name="Differences").click()
        page.get_by_label("Only objects that differ").uncheck()
        differences = page.get_by_role("tabpanel")
        differences.get_by_text(f"{namespace}/web-credentials").click()
        expect(differences.get_by_label("Differences of Secret")).to_be_visible()
        differences.get_by_text("Live (cluster)").click()
        expect(differences.get_by_label("Live YAML")).to_contain_text("++++++++")
        ui.shot("app-differences")
        page.get_by_role("tab", name="Events").click()
        expect(page.get_by_role("tabpanel")).to_contain_text("admin initiated sync")
        assert_no_secret(ui)
        assert_nothing_ran(ui)

    # With an identity provider configured (the settings endpoint says so), the sign-in
    # page offers SSO, returning to the page asked for.
    with ui_page(browser, base, "sso") as ui:
        settings = {"oidcConfig": {"name": "Okta", "issuer": "https://idp.example.com"}}
        ui.page.route(
            "**/api/v1/settings",
            lambda route: route.fulfill(status=200, json=settings),
        )
        ui.goto(f"/applications/{namespace}/{APP}")
        sso = ui.page.get_by_role("link", name="Log in via SSO")
        expect(sso).to_be_visible()
        expect(ui.page.get_by_text("with Okta")).to_be_visible()
        href = sso.get_attribute("href") or ""
        assert href.startswith("/auth/login?return_url=%2Fapplications%2F"), href
        ui.shot("login-sso")

    # A narrow window: the menu folds away, filters open on demand, tiles stack.
    with ui_page(browser, base, "narrow", width=390, height=844) as ui:
        ui.sign_in("admin", password)
        page = ui.page
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
        expect(page.get_by_role("link", name="Projects")).to_be_visible()
        page.get_by_role("button", name="Menu").click()
        page.get_by_role("button", name="Filters").click()
        expect(page.get_by_role("group", name="Sync status")).to_be_visible()
        assert ui.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        ui.shot("list")
        page.get_by_role("link", name=APP).click()
        expect(sync_card(ui)).to_contain_text("Synced")
        assert ui.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        ui.shot("app")


def test_sync_from_the_button_then_rollback_from_history(
    browser: Browser,
    namespace: str,
    tmp_path: Path,
    kubectl: Kubectl,
    ctl: RunningController,
    api_server: RunningServer,
) -> None:
    repo = bare_repo(tmp_path)
    first = repo.commit(manifests(namespace, "blue"), "blue settings")
    kubectl.apply(application(namespace, repo))
    password = admin_password(kubectl, namespace)
    api = api_server.api().as_user("admin", password)
    kubectl.wait_for(
        lambda: app_status(api).get("sync", {}).get("status") == "OutOfSync",
        timeout=60,
        what="the app compared (OutOfSync)",
    )

    with ui_page(browser, f"http://127.0.0.1:{api_server.port}", "sync") as ui:
        ui.sign_in("admin", password)
        page = ui.page
        ui.goto(f"/applications/{namespace}/{APP}")
        expect(sync_card(ui)).to_contain_text("OutOfSync")
        page.get_by_role("button", name="Sync", exact=True).click()
        dialog = page.get_by_role("dialog", name=f"Sync {APP}")
        expect(dialog.get_by_label("All resources")).to_be_checked()
        dialog.get_by_label("Prune").check()
        ui.shot("sync-dialog")
        dialog.get_by_role("button", name="Synchronize").click()
        expect(dialog).to_have_count(0)
        expect(page.get_by_role("status").filter(has_text="Sync of web requested")).to_be_visible()
        # The page follows the operation live, to Synced, without a reload.
        expect(sync_card(ui)).to_contain_text("Synced", timeout=WAIT_MS)
        expect(page.get_by_role("region", name="Last operation")).to_contain_text(
            "Succeeded", timeout=WAIT_MS
        )
        assert colour(kubectl, namespace) == "blue"
        operation = (app_status(api).get("operationState") or {}).get("operation") or {}
        assert operation.get("initiatedBy", {}).get("username") == "admin"
        assert operation.get("sync", {}).get("prune") is True

        # A second commit, refreshed and synced; then a rollback to the first.
        second = repo.commit(manifests(namespace, "green"), "go green")
        page.get_by_role("button", name="Refresh", exact=True).click()
        expect(sync_card(ui)).to_contain_text("OutOfSync", timeout=WAIT_MS)
        page.get_by_role("button", name="Sync", exact=True).click()
        dialog = page.get_by_role("dialog", name=f"Sync {APP}")
        dialog.get_by_label("Revision").fill(second)
        dialog.get_by_role("button", name="Synchronize").click()
        kubectl.wait_for(
            lambda: colour(kubectl, namespace) == "green", timeout=90, what="the second sync"
        )
        expect(page.get_by_role("region", name="Last operation")).to_contain_text(
            "Succeeded", timeout=WAIT_MS
        )
        page.get_by_role("tab", name="History").click()
        history = page.get_by_role("table", name="Deployment history, newest first")
        expect(history.get_by_role("row")).to_have_count(3, timeout=WAIT_MS)
        expect(history).to_contain_text("go green")
        expect(history).to_contain_text("blue settings")
        expect(history).to_contain_text(first[:7])
        ui.shot("history")
        history.get_by_role("button", name=f"Roll back to {first[:7]}").click()
        dialog = page.get_by_role("dialog", name=f"Roll back {APP}")
        expect(dialog.get_by_label(f"#0 {first[:7]}", exact=False)).to_be_checked()
        ui.shot("rollback-dialog")
        dialog.get_by_role("button", name="Roll back").click()
        expect(dialog).to_have_count(0)
        kubectl.wait_for(
            lambda: colour(kubectl, namespace) == "blue", timeout=90, what="the rollback"
        )
        expect(history.get_by_role("row")).to_have_count(4, timeout=WAIT_MS)
        assert app_status(api)["history"][-1]["revision"] == first
        assert_nothing_ran(ui)


def test_read_only_user_sees_no_sync_or_delete(
    browser: Browser,
    namespace: str,
    tmp_path: Path,
    kubectl: Kubectl,
    ctl: RunningController,
    api_server: RunningServer,
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(manifests(namespace, "blue"), "blue settings")
    kubectl.apply(application(namespace, repo))
    settings = {
        "gitopsd-cm": {"accounts.viewer": "login"},
        "gitopsd-rbac-cm": {"policy.csv": "g, viewer, role:readonly\n", "policy.default": ""},
    }
    for name, data in settings.items():
        kubectl.apply(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": name, "namespace": namespace},
                    "data": data,
                }
            )
        )
    set_password(kubectl, namespace, "viewer", "viewer-password")
    base = f"http://127.0.0.1:{api_server.port}"
    kubectl.wait_for(
        lambda: api_server.api().sign_in("viewer", "viewer-password").status == 200,
        timeout=30,
        what="the viewer account",
    )

    with ui_page(browser, base, "rbac-admin") as ui:
        ui.sign_in("admin", admin_password(kubectl, namespace))
        ui.goto(f"/applications/{namespace}/{APP}")
        toolbar = ui.page.get_by_role("toolbar", name="Application actions")
        expect(toolbar.get_by_role("button", name="Sync", exact=True)).to_be_visible()
        expect(toolbar.get_by_role("button", name="Delete", exact=True)).to_be_visible()

    with ui_page(browser, base, "rbac-viewer") as ui:
        ui.sign_in("viewer", "viewer-password")
        ui.goto(f"/applications/{namespace}/{APP}")
        page = ui.page
        toolbar = page.get_by_role("toolbar", name="Application actions")
        expect(toolbar.get_by_role("button", name="Refresh", exact=True)).to_be_visible()
        expect(page.get_by_role("region", name="Sync status")).to_be_visible()
        for name in ("Sync", "Delete", "Rollback", "Terminate", "Pause auto-sync"):
            expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
        page.get_by_role("tab", name="History").click()
        expect(page.get_by_role("button", name="Roll back")).to_have_count(0)
        ui.shot("app")
        # The server refuses the same action anyway.
        refused = page.evaluate(
            """async (name) => {
                const csrf = document.cookie.split('; ').find(c => c.startsWith('gitopsd.csrf='));
                const r = await fetch(`/api/v1/applications/${name}/sync`, {
                    method: 'POST', headers: {'X-CSRF-Token': csrf.split('=')[1],
                    'Content-Type': 'application/json'}, body: '{}'});
                return r.status;
            }""",
            APP,
        )
        assert refused == 403
        # Signing out ends the session: the pages lead back to sign-in.
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in to gitopsd")).to_be_visible()
        ui.goto(f"/applications/{namespace}/{APP}")
        expect(page.get_by_role("heading", name="Sign in to gitopsd")).to_be_visible()
        assert "return=" in page.url
    live = kubectl.get("-n", namespace, "application", APP)
    assert live is not None and "operation" not in live


def test_live_update_after_kubectl_scale(
    browser: Browser,
    namespace: str,
    tmp_path: Path,
    kubectl: Kubectl,
    ctl: RunningController,
    api_server: RunningServer,
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(manifests(namespace, "blue"), "blue settings")
    kubectl.apply(application(namespace, repo))
    password = admin_password(kubectl, namespace)
    api = api_server.api().as_user("admin", password)
    sync_and_wait(kubectl, api, namespace, "blue")

    with ui_page(browser, f"http://127.0.0.1:{api_server.port}", "live") as ui:
        ui.sign_in("admin", password)
        page = ui.page
        ui.goto(f"/applications/{namespace}/{APP}")
        expect(sync_card(ui)).to_contain_text("Synced")
        page.get_by_role("tab", name="Differences").click()
        expect(page.get_by_text("Every object matches Git.")).to_be_visible(timeout=WAIT_MS)
        page.evaluate("() => { window.__loaded = true; }")  # gone if the page reloads

        started = time.monotonic()
        kubectl.run("-n", namespace, "scale", "deployment", "web", "--replicas=3")
        expect(sync_card(ui)).to_contain_text("OutOfSync", timeout=WAIT_MS)
        seen_after = time.monotonic() - started
        assert page.evaluate("() => window.__loaded === true"), "the page was reloaded"

        # The differences panel follows: replicas 3 live, 1 desired, and who changed it.
        panel = page.get_by_role("tabpanel")
        item = (
            panel.locator("details")
            .filter(has_text=f"{namespace}/web")
            .filter(has_text="Deployment")
        )
        expect(item).to_be_visible(timeout=WAIT_MS)
        expect(item).to_contain_text("changed by kubectl")
        item.locator("summary").click()
        diff = item.get_by_label("Differences of Deployment")
        expect(diff).to_contain_text("replicas: 3")
        expect(diff).to_contain_text("replicas: 1")
        expect(item.get_by_role("list")).to_contain_text("spec.replicas")
        ui.shot("drifted")
        print(f"status change seen by the page {seen_after:.2f} s after kubectl scale")

        # The list page updates live too.
        page.get_by_role("link", name="Applications", exact=True).first.click()
        tile = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=APP))
        expect(tile).to_contain_text("OutOfSync")
        sync_and_wait(kubectl, api, namespace, "blue")
        expect(tile).to_contain_text("Synced", timeout=WAIT_MS)
        expect(tile).not_to_contain_text("OutOfSync")
        assert_nothing_ran(ui)


def test_markup_in_manifests_events_and_commits_is_shown_as_text(
    browser: Browser,
    namespace: str,
    tmp_path: Path,
    kubectl: Kubectl,
    ctl: RunningController,
    api_server: RunningServer,
) -> None:
    image = "<img src=x onerror=window.__xss=1;alert(document.domain)>"
    script = "<script>window.__xss=2;alert('script ran')</script>"
    repo = bare_repo(tmp_path)
    files = manifests(namespace, script, note=image)
    sha = repo.commit(files, f"{image} deploy {script}")
    kubectl.apply(application(namespace, repo, labels={"team": "web"}))
    password = admin_password(kubectl, namespace)
    api = api_server.api().as_user("admin", password)
    sync_and_wait(kubectl, api, namespace, script)
    uid = kubectl.get("-n", namespace, "application", APP)["metadata"]["uid"]  # type: ignore[index]
    kubectl.apply(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": "web.xss", "namespace": namespace},
                "involvedObject": {
                    "apiVersion": "gitopsd.io/v1alpha1",
                    "kind": "Application",
                    "name": APP,
                    "namespace": namespace,
                    "uid": uid,
                },
                "reason": "<b>Injected</b>",
                "message": f"{script} and {image}",
                "type": "Warning",
                "firstTimestamp": "2026-01-01T00:00:00Z",
                "lastTimestamp": "2026-01-01T00:00:00Z",
                "count": 1,
                "source": {"component": "attacker"},
            }
        )
    )

    with ui_page(browser, f"http://127.0.0.1:{api_server.port}", "xss") as ui:
        ui.sign_in("admin", password)
        page = ui.page
        ui.goto(f"/applications/{namespace}/{APP}?tab=events")
        events = page.get_by_role("table", name="Events, newest first")
        expect(events).to_contain_text(f"{script} and {image}", timeout=WAIT_MS)
        expect(events).to_contain_text("<b>Injected</b>")
        ui.shot("events")
        page.get_by_role("tab", name="History").click()
        history = page.get_by_role("table", name="Deployment history, newest first")
        expect(history).to_contain_text(f"{image} deploy {script}")
        expect(history).to_contain_text(sha[:7])
        page.get_by_role("tab", name="Differences").click()
        page.get_by_label("Only objects that differ").uncheck()
        differences = page.get_by_role("tabpanel")
        differences.get_by_text(f"{namespace}/web-settings").click()
        differences.get_by_text("Desired (Git)").click()
        desired = differences.get_by_label("Desired YAML")
        expect(desired).to_contain_text(image)
        expect(desired).to_contain_text(script)
        ui.shot("diff")
        page.get_by_role("tab", name="Resources").click()
        page.get_by_role("button", name=f"ConfigMap {namespace}/web-settings").click()
        page.get_by_role("dialog").get_by_role("tab", name="Live manifest").click()
        expect(page.get_by_role("dialog").get_by_label("Live object YAML")).to_contain_text(image)
        page.keyboard.press("Escape")
        ui.goto("/applications?view=table")
        expect(page.get_by_role("link", name=APP)).to_be_visible()
        assert_nothing_ran(ui)
        assert_no_secret(ui)


def test_keyboard_only_sign_in_and_sync(
    browser: Browser,
    namespace: str,
    tmp_path: Path,
    kubectl: Kubectl,
    ctl: RunningController,
    api_server: RunningServer,
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(manifests(namespace, "blue"), "blue settings")
    kubectl.apply(application(namespace, repo))
    password = admin_password(kubectl, namespace)
    api = api_server.api().as_user("admin", password)
    kubectl.wait_for(
        lambda: app_status(api).get("sync", {}).get("status") == "OutOfSync",
        timeout=60,
        what="the app compared (OutOfSync)",
    )

    with ui_page(browser, f"http://127.0.0.1:{api_server.port}", "keyboard") as ui:
        page = ui.page
        keys = page.keyboard
        ui.goto("/login")

        def focused() -> str:
            return str(
                page.evaluate(
                    "() => { const e = document.activeElement; const name ="
                    " e.getAttribute('aria-label') || e.textContent || '';"
                    " return `${e.tagName} ${name}`.trim(); }"
                )
            )

        def tab_to(text: str, limit: int = 40) -> None:
            for _ in range(limit):
                keys.press("Tab")
                if text in focused():
                    return
            raise AssertionError(f"Tab never reached {text!r} (last: {focused()!r})")

        expect(page.get_by_label("User name")).to_be_focused()
        keys.type("admin")
        keys.press("Tab")
        keys.type(password)
        keys.press("Enter")
        expect(page.get_by_role("heading", name="Applications", level=1)).to_be_focused()
        tab_to(f"A {APP}")
        keys.press("Enter")
        expect(page.get_by_role("heading", name=APP, level=1)).to_be_focused()
        tab_to("BUTTON Sync")
        keys.press("Enter")
        dialog = page.get_by_role("dialog", name=f"Sync {APP}")
        expect(dialog.get_by_role("button", name="Synchronize")).to_be_focused()
        ui.shot("sync-dialog")
        keys.press("Enter")
        expect(dialog).to_have_count(0)
        expect(page.get_by_role("button", name="Sync", exact=True)).to_be_focused()
        kubectl.wait_for(
            lambda: colour(kubectl, namespace) == "blue", timeout=90, what="the keyboard sync"
        )
        expect(sync_card(ui)).to_contain_text("Synced", timeout=WAIT_MS)
        # The tabs answer to arrow keys.
        tab_to("BUTTON Resources")
        keys.press("ArrowRight")
        expect(page.get_by_role("tab", name="Differences")).to_be_focused()
        expect(page.get_by_role("tab", name="Differences")).to_have_attribute(
            "aria-selected", "true"
        )
        assert_nothing_ran(ui)
