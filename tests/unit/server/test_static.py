"""The web UI's files as the server ships and serves them: every module an import names
exists, the page loads no inline script or style (the CSP would block it), no module
turns text into markup, and the server answers app routes (even with dots) with the
page and missing assets with 404."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from gitopsd.server.api.static import PACKAGE_STATIC
from tests.unit.server.fakes import Harness, app

Client = TestClient[Any, Any]
JS = PACKAGE_STATIC / "assets" / "js"
IMPORT = re.compile(r"""(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']""")
MARKUP_SINKS = (
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "eval(",
    "new Function",
    "setHTMLUnsafe",
    "srcdoc",
)


def modules() -> list[Path]:
    found = sorted(JS.rglob("*.js"))
    assert len(found) > 10
    return found


def test_every_import_names_a_module_that_is_shipped() -> None:
    for module in modules():
        for target in IMPORT.findall(module.read_text()):
            assert target.startswith("./") or target.startswith("../"), (module, target)
            assert (module.parent / target).resolve().is_file(), (module, target)


def test_the_page_has_no_inline_script_or_style_and_names_shipped_files() -> None:
    index = (PACKAGE_STATIC / "index.html").read_text()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", index) is None
    assert "style=" not in index and "<style" not in index
    for ref in re.findall(r'(?:src|href)="(/assets/[^"]+)"', index):
        assert (PACKAGE_STATIC / ref.lstrip("/")).is_file(), ref


def test_the_page_preloads_every_module() -> None:
    index = (PACKAGE_STATIC / "index.html").read_text()
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/assets/js/([^"]+)">', index))
    assert preloaded == {str(m.relative_to(JS)) for m in modules()}


def test_no_module_turns_text_into_markup() -> None:
    for module in modules():
        text = module.read_text()
        code = "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
        for sink in MARKUP_SINKS:
            if module.name == "dom.js" and sink in ("innerHTML", "outerHTML", "srcdoc"):
                continue  # dom.js names them only to refuse them
            assert sink not in code, f"{module.relative_to(PACKAGE_STATIC)} uses {sink}"


def test_app_routes_get_the_page_and_missing_assets_a_404() -> None:
    h = Harness([app("web", "default")])

    async def scenario(client: Client) -> None:
        for path in ("/", "/applications", "/applications/gitopsd/web.v2", "/login"):
            answer = await client.get(path)
            assert answer.status == 200, path
            assert '<script type="module" src="/assets/js/main.js">' in await answer.text()
        for path in ("/assets/js/missing.js", "/assets/nothing", "/app.css"):
            assert (await client.get(path)).status == 404, path
        script = await client.get("/assets/js/main.js")
        assert script.status == 200
        assert script.headers["Content-Type"].split(";")[0] in (
            "text/javascript",
            "application/javascript",
        )
        style = await client.get("/assets/app.css")
        assert style.headers["Content-Type"].startswith("text/css")

    h.run(scenario)
