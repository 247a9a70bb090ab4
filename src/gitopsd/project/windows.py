"""Sync windows: whether an Application may sync at a given instant.

A window is active at ``now`` when its most recent cron fire time (in its time zone) is at
or before ``now`` and ``now`` is before that time plus its duration. Argo CD's rules:
an active deny window matching the app blocks; otherwise, if allow windows match the app
and none is active, the app is blocked; manual syncs pass when the blocking windows allow
``manualSync``. Pure: ``now`` is passed in. Called by the sync stage before it starts an
operation, automated or manual.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from croniter import croniter

from gitopsd.model.globs import any_match
from gitopsd.project.projects import Project, SyncWindow, WindowKind


@dataclass(frozen=True)
class WindowDecision:
    allowed: bool
    reason: str = ""


@dataclass(frozen=True)
class _Active:
    window: SyncWindow
    end: dt.datetime


def sync_window_decision(
    project: Project, *, app_name: str, namespace: str, cluster: str, now: dt.datetime, manual: bool
) -> WindowDecision:
    """Whether an app (destination ``namespace`` and ``cluster``) may sync at ``now``."""
    windows = [w for w in project.sync_windows if window_matches(w, app_name, namespace, cluster)]
    active = [_Active(w, end) for w in windows if (end := active_until(w, now)) is not None]
    denies = [a for a in active if a.window.kind is WindowKind.DENY]
    if denies:
        return _deny_decision(denies, now, manual)
    if any(a.window.kind is WindowKind.ALLOW for a in active):
        return WindowDecision(True)
    allows = [w for w in windows if w.kind is WindowKind.ALLOW]
    if allows:
        return _outside_allow_decision(allows, now, manual)
    return WindowDecision(True)


def window_matches(window: SyncWindow, app_name: str, namespace: str, cluster: str) -> bool:
    """Whether the window's application, namespace or cluster globs select the app.

    A selector list that is empty selects nothing; with ``andOperator`` every non-empty
    list must select the app.
    """
    selectors = [
        (window.applications, app_name),
        (window.namespaces, namespace),
        (window.clusters, cluster),
    ]
    results = [any_match(patterns, value) for patterns, value in selectors if patterns]
    if not results:
        return False
    return all(results) if window.and_operator else any(results)


def active_until(window: SyncWindow, now: dt.datetime) -> dt.datetime | None:
    """The end of the window's current occurrence if it is active at ``now``, else None."""
    local_now = now.astimezone(zoneinfo.ZoneInfo(window.time_zone))
    start = _latest_fire(window.schedule, local_now)
    end = start + dt.timedelta(seconds=window.duration_seconds)
    return end if start <= local_now < end else None


def next_start(window: SyncWindow, now: dt.datetime) -> dt.datetime:
    """The first fire time of the window strictly after ``now``, in its time zone."""
    local_now = now.astimezone(zoneinfo.ZoneInfo(window.time_zone))
    result: dt.datetime = croniter(window.schedule, local_now).get_next(dt.datetime)
    return result


def describe(window: SyncWindow) -> str:
    """``'0 22 * * *' (1h)``, as windows are named in reasons."""
    return f"'{window.schedule}' ({window.duration})"


def _latest_fire(schedule: str, local_now: dt.datetime) -> dt.datetime:
    # croniter's get_prev is strictly before its start; a fire exactly at now counts.
    previous: dt.datetime = croniter(schedule, local_now).get_prev(dt.datetime)
    following: dt.datetime = croniter(schedule, previous).get_next(dt.datetime)
    return following if following <= local_now else previous


def _deny_decision(denies: list[_Active], now: dt.datetime, manual: bool) -> WindowDecision:
    latest = max(denies, key=lambda a: (a.end, a.window.schedule))
    named = f"deny window {describe(latest.window)}"
    if manual and all(a.window.manual_sync for a in denies):
        return WindowDecision(True, f"manual sync allowed during {named} (manualSync)")
    until = _format_instant(latest.end, now, latest.window.time_zone)
    return WindowDecision(False, f"sync blocked by {named} until {until}")


def _outside_allow_decision(
    allows: list[SyncWindow], now: dt.datetime, manual: bool
) -> WindowDecision:
    if manual and any(w.manual_sync for w in allows):
        return WindowDecision(True, "manual sync allowed outside allow windows (manualSync)")
    soonest = min(allows, key=lambda w: (next_start(w, now), w.schedule))
    opens = _format_instant(next_start(soonest, now), now, soonest.time_zone)
    return WindowDecision(
        False,
        f"sync blocked outside allow window {describe(soonest)}: next opens at {opens}",
    )


def _format_instant(instant: dt.datetime, now: dt.datetime, time_zone: str) -> str:
    """``23:00 UTC`` when on the same local day as ``now``, else ``2024-05-02 01:00 UTC``."""
    zone = zoneinfo.ZoneInfo(time_zone)
    local = instant.astimezone(zone)
    same_day = local.date() == now.astimezone(zone).date()
    return local.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M") + f" {time_zone}"
