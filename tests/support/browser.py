"""A real browser for the web UI's stories: Debian's Chromium driven by Playwright.

The browser comes from the system (``hack/install-browser.sh`` installs it); Playwright's
own browser download is never used. A browser that cannot start fails the test, it does
not skip it. :class:`UiPage` wraps one tab: it signs in, keeps every dialog the page
opened (an XSS that ran would open one), every script error, and the bodies of the API
answers the page received (to check that no Secret value reached the browser), and saves
screenshots under ``.work/artifacts/ui/``.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Dialog, Page, Response, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = os.environ.get("GITOPSD_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / ".work" / "artifacts" / "ui"


@contextmanager
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        raise AssertionError(f"{CHROMIUM} is missing: run hack/install-browser.sh (make ui-test)")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except PlaywrightError as error:
            raise AssertionError(f"Chromium ({CHROMIUM}) did not start: {error}") from error
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class UiPage:
    page: Page
    base: str
    story: str
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)  # every navigation, redirects too

    def __post_init__(self) -> None:
        self.page.on("dialog", self._dialog)
        self.page.on(
            "request",
            lambda request: request.is_navigation_request() and self.visited.append(request.url),
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("response", self._response)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _response(self, response: Response) -> None:
        if "/api/" not in response.url or "text/event-stream" in (
            response.headers.get("content-type") or ""
        ):
            return
        with contextlib.suppress(PlaywrightError):  # the page moved on before it was read
            self.bodies.append(response.text())

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def sign_in(self, username: str, password: str) -> None:
        self.goto("/login")
        self.page.get_by_label("User name").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_role("heading", name="Applications", level=1)).to_be_visible(
            timeout=15_000
        )

    def shot(self, name: str, *, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.story}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def evaluate(self, script: str) -> Any:
        return self.page.evaluate(script)


@contextmanager
def ui_page(
    browser: Browser, base: str, story: str, *, width: int = 1280, height: int = 900
) -> Iterator[UiPage]:
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    try:
        yield UiPage(context.new_page(), base, story)
    finally:
        context.close()
