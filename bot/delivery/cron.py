"""Cron arithmetic in a channel's own time zone, with wall-clock slots that make DST repeats one run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

_MAX_STEPS = 10_000  # fire times walked back over the misfire grace; a minutely cron over a week stays below it


def cron_trigger(cron: str, timezone: str) -> CronTrigger:
    """APScheduler's cron trigger, evaluated in the channel's IANA zone (so 09:00 stays 09:00 across DST)."""
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(cron, timezone=ZoneInfo(timezone))


def slot_of(fire: datetime, timezone: str) -> str:
    """The local wall-clock minute of a fire time: the 01:30 fired twice on a fall-back night is one slot."""
    return fire.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")


def fire_times(cron: str, timezone: str, start: datetime, end: datetime) -> list[datetime]:
    """Every time APScheduler would fire in [start, end), as it computes them (DST repeats included)."""
    trigger = cron_trigger(cron, timezone)
    times: list[datetime] = []
    fire = trigger.get_next_fire_time(None, start.astimezone(UTC))
    while fire is not None and fire < end and len(times) < _MAX_STEPS:
        times.append(fire)
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + timedelta(seconds=1))
    return times


def latest_slot(cron: str, timezone: str, now: datetime, grace_s: float) -> str | None:
    """The slot of the newest fire time in (now - grace, now]: missed runs coalesce into this one, older ones lapse."""
    times = fire_times(cron, timezone, now - timedelta(seconds=grace_s), now + timedelta(microseconds=1))
    return slot_of(times[-1], timezone) if times else None


def next_fire(cron: str, timezone: str, now: datetime) -> datetime | None:
    """When the cron fires next after `now`, in the channel's zone."""
    return cron_trigger(cron, timezone).get_next_fire_time(None, now)


@lru_cache(maxsize=4096)
def cached_trigger(cron: str, timezone: str) -> CronTrigger:
    """Triggers are immutable: one per (cron, zone) serves every channel sharing it."""
    return cron_trigger(cron, timezone)


def fired_slot(cron: str, timezone: str, now: datetime, grace_s: float) -> str | None:
    """The run slot a fire at `now` serves: this minute when the cron fires in it, else the newest within the grace."""
    trigger, minute = cached_trigger(cron, timezone), now.replace(second=0, microsecond=0)
    if trigger.get_next_fire_time(None, minute) == minute:
        return slot_of(minute, timezone)  # on time, the common case: no walk over the grace window
    first = trigger.get_next_fire_time(None, now - timedelta(seconds=grace_s))
    if first is None or first > now:
        return None  # nothing fired within the grace (a start on an ordinary minute): no walk either
    return latest_slot(cron, timezone, now, grace_s)
