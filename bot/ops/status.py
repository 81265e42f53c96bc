"""What `paperbot status` shows: each channel's next run, last digest and pending deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.cronspec import schedule_error
from bot.delivery.cron import next_fire
from bot.models import ChannelRef
from bot.ports.channels import Channels
from bot.ports.outbox import Outbox
from bot.selection.terms import topic_terms

WAITING_CAP = 100  # unsent matching papers counted per channel; more show as "100+"


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """One row of the status table."""

    ref: ChannelRef
    schedule: str
    next_run: datetime | None
    last_sent: datetime | None
    pending: int  # papers in planned digests, and unsent ones matching the channel's topics (up to WAITING_CAP)
    paused: bool
    invalid: str | None = None  # why the stored schedule cannot run (the scheduler skips the channel)


async def channel_statuses(channels: Channels, outbox: Outbox, now: datetime) -> list[ChannelStatus]:
    """Every channel with its schedule read from the store, the same truth the workers use."""
    delivered = await outbox.delivery_status()
    rows = []
    for channel in await channels.list_channels():
        last_sent, planned = delivered.get(channel.ref, (None, 0))
        pending = planned + len(await outbox.unsent_papers(channel.ref, topic_terms(channel.topics), WAITING_CAP))
        invalid = schedule_error(channel.cron, channel.timezone)
        upcoming = None if channel.paused or invalid else next_fire(channel.cron, channel.timezone, now)
        schedule = f"{channel.cron} ({channel.timezone})"
        rows.append(ChannelStatus(channel.ref, schedule, upcoming, last_sent, pending, channel.paused, invalid))
    return rows
