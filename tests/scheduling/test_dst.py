"""Time zones and DST with the real CronTrigger and fixed instants (no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.delivery.cron import fire_times, fired_slot, latest_slot, next_fire, slot_of


def _slots(cron: str, tz: str, start: datetime, days: int) -> tuple[list[datetime], list[str]]:
    times = fire_times(cron, tz, start, start + timedelta(days=days))
    return times, list(dict.fromkeys(slot_of(t, tz) for t in times))


def test_berlin_0230_on_spring_forward_day_fires_once() -> None:
    times, slots = _slots("30 2 * * *", "Europe/Berlin", datetime(2026, 3, 28, tzinfo=UTC), 3)
    assert slots == ["2026-03-28T02:30", "2026-03-29T02:30", "2026-03-30T02:30"]
    assert len(times) == 3, "02:30 does not exist on 29 March: it fires once, an hour in"


def test_new_york_0130_on_fall_back_day_is_one_slot_though_apscheduler_fires_twice() -> None:
    times, slots = _slots("30 1 * * *", "America/New_York", datetime(2026, 10, 31, tzinfo=UTC), 3)
    assert len(times) == 4, "APScheduler fires 01:30 EDT and 01:30 EST on 1 November"
    assert slots == ["2026-10-31T01:30", "2026-11-01T01:30", "2026-11-02T01:30"]


def test_0900_berlin_stays_0900_local_on_both_sides_of_each_change() -> None:
    for start in (datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 10, 23, tzinfo=UTC)):
        times = fire_times("0 9 * * *", "Europe/Berlin", start, start + timedelta(days=4))
        assert [t.strftime("%H:%M") for t in times] == ["09:00"] * 4
        assert len({t.astimezone(UTC).hour for t in times}) == 2, "the UTC hour moves with DST"


def test_missed_runs_coalesce_into_the_newest_slot_within_the_grace() -> None:
    now = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)  # a worker back after three days down
    assert latest_slot("0 9 * * *", "Europe/Berlin", now, 6 * 3600) == "2026-05-04T09:00"
    assert latest_slot("0 9 * * *", "Europe/Berlin", now, 60) is None, "older than the grace: lapsed"
    assert next_fire("0 9 * * *", "Europe/Berlin", now).isoformat() == "2026-05-05T09:00:00+02:00"


def test_the_schedulers_quick_slot_agrees_with_the_walk_over_the_grace_window_across_dst() -> None:
    from bot.config import SchedulerSettings

    grace = SchedulerSettings().misfire_grace_s
    for cron, tz, start in [
        ("30 2 * * *", "Europe/Berlin", datetime(2026, 3, 28, tzinfo=UTC)),  # spring forward: 02:30 is skipped
        ("30 1 * * *", "America/New_York", datetime(2026, 10, 31, tzinfo=UTC)),  # fall back: 01:30 comes twice
        ("*/20 * * * *", "Australia/Lord_Howe", datetime(2026, 4, 4, tzinfo=UTC)),  # a half-hour shift
    ]:
        for fire in fire_times(cron, tz, start, start + timedelta(days=3)):
            before = fire - timedelta(seconds=1)
            assert fired_slot(cron, tz, before, grace) == latest_slot(cron, tz, before, grace), (cron, tz, before)
            for late in (timedelta(0), timedelta(seconds=59), timedelta(minutes=7), timedelta(hours=7)):
                now = fire + late
                assert fired_slot(cron, tz, now, grace) == latest_slot(cron, tz, now, grace), (cron, tz, now)
