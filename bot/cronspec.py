"""Whether a cron expression and time zone are ones the scheduler can run, said in one line when they are not.

Config, `/papers schedule`, the scheduler, `status` and `doctor` all ask here, so a schedule that one of them accepts
never crashes another (a bad one stored by an older version is reported and skipped, never run).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_error(timezone: str) -> str | None:
    """Why `timezone` is no IANA time zone, or None when it is one."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {timezone!r} (use an IANA name such as Europe/Berlin)"
    return None


def cron_error(cron: str) -> str | None:
    """Why APScheduler would refuse the five-field `cron`, or None when it runs."""
    from apscheduler.triggers.cron import CronTrigger

    if len(cron.split()) != 5:
        return f"cron {cron!r} needs five fields: minute hour day month weekday"
    try:
        CronTrigger.from_crontab(cron)
    except ValueError as exc:
        return f"cron {cron!r} is invalid: {exc}"
    return None


def schedule_error(cron: str, timezone: str) -> str | None:
    """Why a (cron, zone) schedule cannot run, or None when it can."""
    return zone_error(timezone) or cron_error(cron)
