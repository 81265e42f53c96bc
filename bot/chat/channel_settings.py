"""Handlers for a channel's digest: its topics, schedule, quiet days, layout, pausing, and posting one now.

All but `topics` change the channel; the catalog limits those to channel managers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.chat.channel_lists import ChannelList
from bot.chat.services import ChatServices
from bot.chat.spec import Invocation
from bot.cronspec import zone_error
from bot.errors import CommandError, UsageError
from bot.events import Reply
from bot.models import Channel, DigestLayout
from bot.numbers import parse_count
from bot.selection.reasons import ranking_explained
from bot.selection.terms import terms_of

MAX_TOPIC_CHARS = 100
MAX_TOPICS = 20
MAX_DIGEST_SIZE = 20
QUIET_CHOICES = {"notice": True, "silent": False}  # does a day with nothing new get a one-line notice?
LAYOUTS = {
    DigestLayout.MESSAGES: "one message per paper",
    DigestLayout.THREAD: "one message listing the papers, each paper in its thread",
}
TOPICS = ChannelList(
    "topics",
    MAX_TOPICS,
    already="This channel already follows {entry!r}.",
    full="This channel already follows {limit} topics; unsubscribe from one first.",
    added="This channel now follows {entry!r}.",
    missing="This channel does not follow {entry!r}.",
    removed="This channel no longer follows {entry!r}.",
)
_TIME = re.compile(r"^(?P<hour>[01]?[0-9]|2[0-3]):(?P<minute>[0-5][0-9])$")  # ASCII digits only


async def topics(services: ChatServices, call: Invocation) -> Reply:
    channel = await services.load_channel(call.command.channel)
    followed = ", ".join(channel.topics) if channel.topics else "everything (no topics set)"
    muted = f" Muted: {', '.join(channel.muted)}." if channel.muted else ""
    authors = f" Followed authors (their new papers go first): {', '.join(channel.authors)}." if channel.authors else ""
    quiet = "a notice" if channel.empty_notice else "silence"
    layout = LAYOUTS[channel.layout]
    ranking = ranking_explained(channel, by_meaning=services.semantic is not None)
    return Reply(
        f"Topics: {followed}.{muted}{authors} {schedule_summary(channel)}; ranked by: {ranking}. "
        f"Days with nothing new: {quiet}. Layout: {layout}."
    )


async def subscribe(services: ChatServices, call: Invocation) -> Reply:
    return await TOPICS.add(services, call.command.channel, checked_topic(call.argument))


async def unsubscribe(services: ChatServices, call: Invocation) -> Reply:
    return await TOPICS.remove(services, call.command.channel, checked_topic(call.argument))


async def schedule(services: ChatServices, call: Invocation) -> Reply:
    channel = await services.load_channel(call.command.channel)
    cron, timezone, size = _parse_schedule(call.argument.split(), channel, call.usage)
    await services.update(replace(channel, cron=cron, timezone=timezone, digest_size=size, paused=False))
    return Reply(f"Digest of {size} papers daily at {_describe_cron(cron)} {timezone}.", ephemeral=False)


async def quiet(services: ChatServices, call: Invocation) -> Reply:
    """What a day with nothing new (an arXiv weekend or holiday) looks like: a one-line notice, or silence."""
    notice = QUIET_CHOICES[call.argument.lower()]
    channel = await services.load_channel(call.command.channel)
    await services.update(replace(channel, empty_notice=notice))
    if notice:
        return Reply("On days with no new papers this channel gets a one-line notice.", ephemeral=False)
    return Reply("On days with no new papers this channel hears nothing.", ephemeral=False)


async def layout(services: ChatServices, call: Invocation) -> Reply:
    """How the channel's digest is laid out: a message per paper, or one message with the papers in its thread."""
    chosen = DigestLayout(call.argument.lower())
    channel = await services.load_channel(call.command.channel)
    await services.update(replace(channel, layout=chosen))
    return Reply(f"From the next digest on, this channel gets {LAYOUTS[chosen]}.", ephemeral=False)


async def pause(services: ChatServices, call: Invocation) -> Reply:
    channel = await services.load_channel(call.command.channel)
    await services.update(replace(channel, paused=True))
    return Reply("Digests paused for this channel; `resume` starts them again.", ephemeral=False)


async def resume(services: ChatServices, call: Invocation) -> Reply:
    channel = await services.load_channel(call.command.channel)
    await services.update(replace(channel, paused=False))
    return Reply(f"Digests resumed: daily at {_describe_cron(channel.cron)} {channel.timezone}.", ephemeral=False)


async def digest(services: ChatServices, call: Invocation) -> Reply:
    if call.send is None:
        raise CommandError("This platform cannot post digests on demand.")
    channel = await services.load_channel(call.command.channel)
    message = await services.digests.deliver_now(channel, call.send)
    if message is None:
        return Reply("No new papers for this channel right now.")
    return Reply(f"Posted a digest of {len(message.items)} papers.")


def schedule_summary(channel: Channel) -> str:
    """`5 papers at 09:00 Europe/Berlin`, or `5 papers paused`."""
    state = "paused" if channel.paused else f"at {_describe_cron(channel.cron)} {channel.timezone}"
    return f"{channel.digest_size} papers {state}"


def _describe_cron(cron: str) -> str:
    """`30 7 * * *` -> `07:30`; any other cron expression as written."""
    minute, hour, *_ = cron.split()
    if (m := parse_count(minute)) is not None and (h := parse_count(hour)) is not None:
        return f"{h:02d}:{m:02d}"
    return f"cron {cron!r}"


def checked_topic(topic: str) -> str:
    """The topic as typed, or a UsageError when it is too long or has no word to match papers by."""
    if len(topic) > MAX_TOPIC_CHARS:
        raise UsageError(f"A topic can be at most {MAX_TOPIC_CHARS} characters.")
    if not terms_of(topic):
        raise UsageError(f"{topic[:40]!r} has no meaningful words to match papers by.")
    return topic


def _parse_schedule(parts: Sequence[str], channel: Channel, usage: str) -> tuple[str, str, int]:
    """`HH:MM [time zone] [count]` (zone and count in either order) -> (cron, IANA zone, digest size)."""
    match = _TIME.match(parts[0])
    if not match:
        raise UsageError(f"{parts[0][:20]!r} is not a time; use 24-hour HH:MM, e.g. 09:00.")
    timezone, size = channel.timezone, channel.digest_size
    for part in parts[1:3]:
        if (count := parse_count(part)) is not None:
            if not 1 <= count <= MAX_DIGEST_SIZE:
                raise UsageError(f"A digest holds 1 to {MAX_DIGEST_SIZE} papers.")
            size = count
        else:
            timezone = _zone(part)
    if len(parts) > 3:
        raise UsageError(f"Usage: {usage}")
    return f"{int(match['minute'])} {int(match['hour'])} * * *", timezone, size


def _zone(name: str) -> str:
    if zone_error(name):
        raise UsageError(f"{name[:40]!r} is not a time zone; use an IANA name such as Europe/Berlin or UTC.") from None
    return name
