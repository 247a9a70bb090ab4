"""Where sharding meets the writes: which replica acts on what, checked before each write.

A worker takes a *turn* on one key (an Application or ApplicationSet) for one pass;
every write of that pass goes through :meth:`WriteGate.write`, which asks the shard right
before the request is sent and holds off ownership changes until it returns. A refused
write raises ``Fenced`` (a ``ClusterError``, so the engine treats it as a failed write)
and spoils the rest of the turn: the operator then records nothing of that pass.
``FencedCluster`` puts the check in front of every mutating call the reconciler makes;
dry runs and reads pass through.

``Unsharded`` is the single-replica case: it owns everything and checks nothing.
Used by the operator's controller, ApplicationSet loop and environment.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from gitopsd.errors import Fenced
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import ApiResource, ClusterPort, KubeObject


class Shard(Protocol):
    """What the operator asks about ownership (``ShardMember`` or ``Unsharded``)."""

    replica: str

    def owns(self, key: str) -> bool:
        """May act on ``key`` right now."""
        ...

    def assigned(self, key: str) -> bool:
        """Is given ``key`` by the current membership, even while its Lease is late."""
        ...

    def writing(self, key: str) -> AbstractContextManager[None]:
        """Held around one write for ``key``; raises ``Fenced`` when not allowed."""
        ...


class Unsharded:
    """One replica for everything: owns every key, fences nothing."""

    replica = ""

    def owns(self, key: str) -> bool:
        return True

    def assigned(self, key: str) -> bool:
        return True

    def writing(self, key: str) -> AbstractContextManager[None]:
        return contextlib.nullcontext()


@dataclass
class Turn:
    """One pass over one key by one worker thread."""

    key: str
    refused: bool = False

    def spoiled(self) -> bool:
        """Whether a write of this turn was refused (nothing of the pass may be kept)."""
        return self.refused


_turn: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("gitopsd_turn", default=None)


class WriteGate:
    def __init__(self, shard: Shard) -> None:
        self.shard = shard
        self.refusals = 0

    @property
    def sharded(self) -> bool:
        return not isinstance(self.shard, Unsharded)

    @contextlib.contextmanager
    def turn(self, key: str) -> Iterator[Turn]:
        """This thread acts for ``key`` until the block ends."""
        turn = Turn(key)
        token = _turn.set(turn)
        try:
            yield turn
        finally:
            _turn.reset(token)

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """Around one write of the current turn; ``Fenced`` when it may not happen."""
        turn = _turn.get()
        if turn is None:
            if self.sharded:
                raise Fenced("a write outside any Application's turn is not allowed")
            yield
            return
        if turn.refused:
            raise Fenced(f"{turn.key}: not written: an earlier write of this pass was refused")
        try:
            with self.shard.writing(turn.key):
                yield
        except Fenced:
            turn.refused = True
            self.refusals += 1
            raise


class FencedCluster:
    """A ``ClusterPort`` whose writes pass the gate first (reads and dry runs do not)."""

    def __init__(self, cluster: ClusterPort, gate: WriteGate) -> None:
        self.cluster = cluster
        self.gate = gate

    def server_version(self) -> str:
        return self.cluster.server_version()

    def resources(self, *, refresh: bool = False) -> Mapping[GroupKind, ApiResource]:
        return self.cluster.resources(refresh=refresh)

    def get(self, key: ResourceKey) -> KubeObject | None:
        return self.cluster.get(key)

    def list(
        self,
        group_kind: GroupKind,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[KubeObject]:
        return self.cluster.list(group_kind, namespace=namespace, label_selector=label_selector)

    def apply(
        self,
        obj: KubeObject,
        *,
        dry_run: bool = False,
        force: bool = True,
        field_manager: str = "gitopsd",
        field_validation: str = "",
    ) -> KubeObject:
        with self._gate(dry_run):
            return self.cluster.apply(
                obj,
                dry_run=dry_run,
                force=force,
                field_manager=field_manager,
                field_validation=field_validation,
            )

    def create(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        with self._gate(dry_run):
            return self.cluster.create(obj, dry_run=dry_run)

    def replace(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        with self._gate(dry_run):
            return self.cluster.replace(obj, dry_run=dry_run)

    def delete(
        self, key: ResourceKey, *, propagation: str = "Foreground", dry_run: bool = False
    ) -> None:
        with self._gate(dry_run):
            self.cluster.delete(key, propagation=propagation, dry_run=dry_run)

    def merge_patch(self, key: ResourceKey, patch: KubeObject) -> KubeObject:
        with self.gate.write():
            return self.cluster.merge_patch(key, patch)

    def _gate(self, dry_run: bool) -> AbstractContextManager[None]:
        return contextlib.nullcontext() if dry_run else self.gate.write()
