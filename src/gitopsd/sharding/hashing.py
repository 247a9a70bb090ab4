"""Rendezvous (highest-random-weight) hashing: which member of a view owns a key.

Every member of a view gets a pseudo-random weight for a key, from a hash of the two; the
heaviest member owns the key. A member joining takes exactly the keys it now outweighs
everyone on, and a member leaving hands out exactly its own keys, each to the member that
was second for it; every other key stays where it was. Nothing is stored: any replica
computes the same owner from the same view. Called by :mod:`gitopsd.sharding.ownership`.

Keys are strings that name what is sharded: ``application_key`` and ``appset_key`` give
Applications and ApplicationSets separate key spaces, so the two spread independently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

View = tuple[str, ...]  # member ids, sorted, without repeats


def make_view(members: Iterable[str]) -> View:
    """The canonical form of a member set: sorted, each member once."""
    return tuple(sorted(set(members)))


def weight(member: str, key: str) -> int:
    """``member``'s 64-bit weight for ``key``: the same on every replica and platform."""
    digest = hashlib.blake2b(f"{member}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner(key: str, view: View) -> str | None:
    """The member of ``view`` that owns ``key`` (None for an empty view). Ties, which
    need a 64-bit collision, go to the member whose id sorts last."""
    if not view:
        return None
    return max(view, key=lambda member: (weight(member, key), member))


def application_key(namespace: str, name: str) -> str:
    return f"Application/{namespace}/{name}"


def appset_key(namespace: str, name: str) -> str:
    return f"ApplicationSet/{namespace}/{name}"
