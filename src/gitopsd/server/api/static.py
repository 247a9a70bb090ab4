"""The web UI's files, served from ``server/static/`` (or ``--static-dir``) as they are.

There is no build step at install time: whatever is in the directory is served, with
``index.html`` for ``/`` and for any path that is not a file (so a single-page app's own
routes load it, including ``/applications/<namespace>/<name>`` where a name may contain
dots). A missing file under ``assets/`` or with an asset's suffix is a 404. Paths are
resolved inside the directory; anything that escapes it is a 404. Files are public: they
carry no data, every API call they make is authorized.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from gitopsd.server.api.middleware import public

STATIC_DIR = web.AppKey("static_dir", Path)
PACKAGE_STATIC = Path(__file__).resolve().parent.parent / "static"
ASSET_SUFFIXES = frozenset(
    {".js", ".mjs", ".css", ".map", ".json", ".svg", ".png", ".ico", ".woff2", ".txt", ".html"}
)


def _is_asset(wanted: str) -> bool:
    """A path that names a file of the UI (so a miss is a 404, not the app's page)."""
    return wanted.startswith("assets/") or Path(wanted).suffix.lower() in ASSET_SUFFIXES


@public
async def serve_static(request: web.Request) -> web.StreamResponse:
    root = request.app[STATIC_DIR].resolve()
    wanted = request.match_info.get("path", "")
    if wanted.startswith("api/"):
        raise web.HTTPNotFound()
    target = (root / wanted).resolve() if wanted else root / "index.html"
    if not target.is_relative_to(root):
        raise web.HTTPNotFound()
    if not target.is_file():
        if _is_asset(wanted):  # a missing file, not one of the app's routes
            raise web.HTTPNotFound()
        target = root / "index.html"
    if not target.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(target, headers={"Cache-Control": "no-cache"})
