"""``GET /api/v1/stream/applications``: application changes as Server-Sent Events.

Each event is one ``data:`` line holding ``{"result": {"type", "application"}}``, the
shape Argo CD streams at this path. Without ``resourceVersion`` the stream starts with
an ``ADDED`` event per application the user may see (then live changes). Every event is
checked against the user's rights and filters at the time it is sent, and the session
itself is re-checked, so a logout, an expiry or a policy change takes effect on an open
stream. A client too slow to keep up is disconnected (it reconnects and starts over).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from gitopsd.errors import GitopsdError
from gitopsd.server.api.common import context, principal
from gitopsd.server.api.middleware import bearer_token
from gitopsd.server.authn import authenticate
from gitopsd.server.authz import app_object
from gitopsd.server.views import matches, parse_query

log = logging.getLogger(__name__)

QUEUE_SIZE = 2000
KEEPALIVE_SECONDS = 15.0
Event = tuple[str, dict[str, Any]]


class Broadcaster:
    """Fans application watch events out to the open streams, on the event loop."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[Event]] = set()
        self._dropped: set[asyncio.Queue[Event]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def from_thread(self, event_type: str, app: dict[str, Any]) -> None:
        """The cache listener: runs on the cache's thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.publish, event_type, app)

    def publish(self, event_type: str, app: dict[str, Any]) -> None:
        for queue in list(self._queues):
            try:
                queue.put_nowait((event_type, app))
            except asyncio.QueueFull:  # too slow: it has missed an event, so it must go
                self._queues.discard(queue)
                self._dropped.add(queue)

    def dropped(self, queue: asyncio.Queue[Event]) -> bool:
        return queue in self._dropped

    def subscribe(self) -> tuple[asyncio.Queue[Event], Callable[[], None]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)

        def unsubscribe() -> None:
            self._queues.discard(queue)
            self._dropped.discard(queue)

        return queue, unsubscribe

    def __len__(self) -> int:
        return len(self._queues)


BROADCASTER = web.AppKey("broadcaster", Broadcaster)


async def stream_applications(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    who = principal(request)
    query = parse_query({k: request.query.getall(k) for k in request.query})
    token, _ = bearer_token(request)
    broadcaster = request.app[BROADCASTER]
    queue, unsubscribe = broadcaster.subscribe()
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )

    async def send(event_type: str, app: dict[str, Any]) -> None:
        if not ctx.authorizer.allowed(who, "applications", "get", app_object(app)):
            return
        if matches(app, query):
            line = json.dumps({"result": {"type": event_type, "application": app}})
            await response.write(f"data: {line}\n\n".encode())

    try:
        await response.prepare(request)
        if not request.query.get("resourceVersion"):
            for app in ctx.caches.applications.items():
                await send("ADDED", app)
        while True:
            if broadcaster.dropped(queue):
                break
            try:
                item = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                item = ("", {})
            try:
                authenticate(ctx.authenticators, token, now=ctx.clock())
            except GitopsdError:
                break  # logged out, expired or revoked: end the stream
            if item[0]:
                await send(*item)
            else:
                await response.write(b": keep-alive\n\n")
    except ConnectionResetError:
        pass
    finally:
        unsubscribe()
    return response
