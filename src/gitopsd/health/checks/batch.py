"""Health of Jobs and CronJobs.

Registered in :mod:`gitopsd.health.checks.core`. A Job is judged by its
terminal conditions (``Complete``/``Failed``); a CronJob by whether it is suspended and
whether its last scheduled run ended in success.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.result import Health, degraded, healthy, progressing, suspended


def job_health(obj: dict[str, Any]) -> Health:
    failed = fields.condition(obj, "Failed")
    if failed is not None and fields.is_true(failed):
        return degraded(fields.text(failed, "message") or fields.text(failed, "reason"))
    complete = fields.condition(obj, "Complete")
    if complete is not None and fields.is_true(complete):
        return healthy(fields.text(complete, "message"))
    paused = fields.condition(obj, "Suspended")
    if fields.is_true(paused) or fields.get(obj, "spec", "suspend") is True:
        return suspended(fields.text(paused or {}, "message") or "Job is suspended")
    return progressing()


def cronjob_health(obj: dict[str, Any]) -> Health:
    if fields.get(obj, "spec", "suspend") is True:
        return suspended("CronJob is suspended")
    running = len(fields.items(obj, "status", "active"))
    if running:
        return healthy(f"CronJob has {running} active job(s)")
    scheduled = fields.timestamp(obj, "status", "lastScheduleTime")
    succeeded = fields.timestamp(obj, "status", "lastSuccessfulTime")
    # lastSuccessfulTime is when a run finished, so a success of the latest run is later
    # than its schedule time; anything else means the latest run did not succeed.
    if scheduled is not None and (succeeded is None or succeeded < scheduled):
        return degraded(
            f'CronJob "{fields.name(obj)}" did not complete its last scheduled job successfully'
        )
    return healthy()
