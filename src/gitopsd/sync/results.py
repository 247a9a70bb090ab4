"""Per-object outcomes of a sync pass, as data."""

from __future__ import annotations

from dataclasses import dataclass

from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import HookType, ResultCode, SyncPhase


@dataclass(frozen=True)
class ResourceResult:
    key: ResourceKey
    code: ResultCode
    message: str = ""
    phase: SyncPhase = SyncPhase.SYNC
    wave: int = 0
    hook: HookType | None = None
    hook_phase: str = ""  # Running | Succeeded | Failed, for hooks

    def line(self) -> str:
        """One change-set line: ``Deployment/web/api configured``."""
        text = f"{self.key} {self.code}"
        return (
            f"{text}: {self.message}" if self.message and self.code == ResultCode.FAILED else text
        )

    @property
    def failed(self) -> bool:
        return self.code == ResultCode.FAILED


def merge_results(
    previous: list[ResourceResult], new: list[ResourceResult]
) -> list[ResourceResult]:
    """Results of an operation across passes: the latest outcome per object wins, except
    that an ``unchanged`` does not hide an earlier ``created``/``configured``."""
    merged: dict[tuple[ResourceKey, bool], ResourceResult] = {}
    for result in [*previous, *new]:
        slot = (result.key, result.hook is not None)
        earlier = merged.get(slot)
        if (
            earlier is not None
            and result.code == ResultCode.UNCHANGED
            and earlier.code in (ResultCode.CREATED, ResultCode.CONFIGURED)
        ):
            continue
        merged[slot] = result
    return sorted(merged.values(), key=lambda r: (r.key, r.hook is not None))
