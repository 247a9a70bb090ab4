"""``Ownership``: what one replica may act on, as of one round of the membership protocol.

A snapshot is a list of views that must all give a key to this replica: the view it has
published, the view it is about to publish (while a change is being published), and the
view every other live member has published. A key the views disagree on belongs to no
one until they agree, which is how a handover waits for every member's acknowledgement.

The snapshot also remembers when the Lease renewal it rests on was sent (on this
replica's monotonic clock) and the renew deadline that renewal promised: past it, the
snapshot owns nothing, whatever its views say. Snapshots are immutable; the member
swaps them (:mod:`gitopsd.sharding.member`), and readers on any thread ask ``owns``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from gitopsd.sharding.hashing import View, owner


@dataclass(frozen=True)
class Ownership:
    me: str
    views: tuple[View, ...] = ()  # none: owns nothing
    renewed_at: float = -math.inf  # monotonic time the underlying renewal was sent
    deadline_seconds: float = 0.0  # the renew deadline that renewal was sent under
    # Answers per key, filled on first use (the views never change in a snapshot).
    _answers: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def nothing(cls, me: str) -> Ownership:
        return cls(me)

    def assigns(self, key: str) -> bool:
        """Whether every view gives ``key`` to this replica (ignoring the deadline)."""
        answer = self._answers.get(key)
        if answer is None:
            answer = bool(self.views) and all(owner(key, view) == self.me for view in self.views)
            self._answers[key] = answer
        return answer

    def valid(self, now: float, deadline_seconds: float | None = None) -> bool:
        """Whether the renewal behind this snapshot is recent enough at ``now``; a shorter
        ``deadline_seconds`` (a timing lowered since) applies at once."""
        deadline = self.deadline_seconds
        if deadline_seconds is not None:
            deadline = min(deadline, deadline_seconds)
        return now - self.renewed_at < deadline

    def owns(self, key: str, now: float, deadline_seconds: float | None = None) -> bool:
        return self.valid(now, deadline_seconds) and self.assigns(key)

    def narrowed(self, view: View) -> Ownership:
        """The same snapshot, also requiring ``view`` (before publishing it)."""
        return Ownership(self.me, (*self.views, view), self.renewed_at, self.deadline_seconds)

    def carrying_answers_of(self, earlier: Ownership) -> Ownership:
        """This snapshot, reusing ``earlier``'s answers when both assign the same keys
        (every round makes a new snapshot; the views rarely change)."""
        if self.same_assignment(earlier):
            object.__setattr__(self, "_answers", earlier._answers)
        return self

    def same_assignment(self, other: Ownership) -> bool:
        """Whether both snapshots give this replica the same keys (same set of views)."""
        return self.me == other.me and set(self.views) == set(other.views)

    @property
    def members(self) -> View:
        """The first view: the one this replica has published."""
        return self.views[0] if self.views else ()
