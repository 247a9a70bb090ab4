"""The membership thread: runs :meth:`ShardMember.step` round after round, and leaves the
membership (releasing the Lease) when stopped. Started and stopped by the operator's
runtime."""

from __future__ import annotations

import logging
import threading

from gitopsd.sharding.member import ShardMember

log = logging.getLogger(__name__)


class MembershipLoop:
    def __init__(self, member: ShardMember) -> None:
        self.member = member
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sharding", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the rounds, then leave: this replica's share moves on at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.member.leave()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.member.step()
            except Exception:  # a bug must not end the membership: the share would stall
                log.exception("sharding: a membership round failed")
                delay = self.member.timing.retry_period_seconds
            self._stop.wait(delay)
