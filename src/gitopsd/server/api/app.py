"""Building the aiohttp application from a :class:`ServerContext` and the route table."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from gitopsd.server.api.common import CONTEXT
from gitopsd.server.api.middleware import authentication, errors, security_headers, set_secure
from gitopsd.server.api.routes import add_routes
from gitopsd.server.api.static import PACKAGE_STATIC, STATIC_DIR
from gitopsd.server.api.stream import BROADCASTER, Broadcaster
from gitopsd.server.context import ServerContext

MAX_REQUEST_BYTES = 2 * 1024 * 1024


def build_app(ctx: ServerContext) -> web.Application:
    app = web.Application(
        middlewares=[security_headers, errors, authentication],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[CONTEXT] = ctx
    set_secure(app, ctx.settings.secure_cookie)
    app[STATIC_DIR] = Path(ctx.settings.static_dir) if ctx.settings.static_dir else PACKAGE_STATIC
    broadcaster = Broadcaster()
    app[BROADCASTER] = broadcaster
    add_routes(app)

    async def bind_stream(app: web.Application) -> AsyncIterator[None]:
        broadcaster.bind(asyncio.get_running_loop())
        unsubscribe = ctx.caches.applications.subscribe(broadcaster.from_thread)
        yield
        unsubscribe()

    app.cleanup_ctx.append(bind_stream)
    return app
