"""Building the aiohttp application from a :class:`ServerContext` and the route table."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from gitopsd.cluster.cache import DELETED
from gitopsd.server.api.applications import ENCODED
from gitopsd.server.api.common import CONTEXT
from gitopsd.server.api.middleware import authentication, errors, security_headers, set_secure
from gitopsd.server.api.routes import add_routes
from gitopsd.server.api.static import PACKAGE_STATIC, STATIC_DIR
from gitopsd.server.api.stream import BROADCASTER, Broadcaster
from gitopsd.server.context import ServerContext
from gitopsd.server.encoding import EncodedObjects

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
    encoded = EncodedObjects()
    app[ENCODED] = encoded
    add_routes(app)

    def encode(event_type: str, obj: dict[str, Any]) -> None:
        if event_type != DELETED:
            encoded.encode(obj)

    async def bind_stream(app: web.Application) -> AsyncIterator[None]:
        broadcaster.bind(asyncio.get_running_loop())
        cache = ctx.caches.applications
        unsubscribe = [cache.subscribe(broadcaster.from_thread), cache.subscribe(encode)]
        # Encode what is already cached off the loop, so even the first list is quick.
        warm = asyncio.get_running_loop().run_in_executor(
            None, lambda: [encoded.encode(obj) for obj in cache.items()]
        )
        yield
        await warm
        for stop in unsubscribe:
            stop()

    app.cleanup_ctx.append(bind_stream)
    return app
