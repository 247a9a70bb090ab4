"""``status.history``: who deployed what, when; capped by ``revisionHistoryLimit``."""

from __future__ import annotations

from typing import Any


def append_history(
    history: list[dict[str, Any]],
    *,
    revision: str,
    revisions: list[str],
    source: dict[str, Any] | None,
    sources: list[dict[str, Any]] | None,
    deployed_at: str,
    started_at: str,
    initiated_by: dict[str, Any],
    limit: int,
    author: str = "",
    message: str = "",
) -> list[dict[str, Any]]:
    next_id = max((int(h.get("id", 0)) for h in history), default=-1) + 1
    entry: dict[str, Any] = {
        "id": next_id,
        "revision": revision,
        "deployedAt": deployed_at,
        "deployStartedAt": started_at,
        "initiatedBy": initiated_by,
    }
    if sources:
        entry["sources"] = sources
        entry["revisions"] = revisions
    elif source is not None:
        entry["source"] = source
    if author:
        entry["author"] = author
    if message:
        entry["message"] = message.splitlines()[0][:200] if message else ""
    combined = [*history, entry]
    keep = max(limit, 1)
    return combined[-keep:]
