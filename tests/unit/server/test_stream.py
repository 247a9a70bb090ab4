"""The live stream's fan-out: every open stream gets every event, and a stream too slow
to keep up is dropped (it reconnects) rather than silently missing changes."""

from __future__ import annotations

import asyncio

from gitopsd.server.api import stream


def test_events_reach_every_subscriber_and_slow_ones_are_dropped() -> None:
    async def scenario() -> None:
        broadcaster = stream.Broadcaster()
        fast, stop_fast = broadcaster.subscribe()
        slow, stop_slow = broadcaster.subscribe()
        broadcaster.publish("MODIFIED", {"metadata": {"name": "a"}})
        assert (await fast.get())[0] == "MODIFIED"
        for index in range(stream.QUEUE_SIZE + 1):
            broadcaster.publish("MODIFIED", {"metadata": {"name": str(index)}})
            if not fast.empty():
                fast.get_nowait()
        assert not broadcaster.dropped(fast)
        assert broadcaster.dropped(slow)
        assert len(broadcaster) == 1
        stop_slow()
        stop_fast()
        assert len(broadcaster) == 0

    asyncio.run(scenario())
