"""Handlers for what a channel never wants (muted topics), whose papers it always wants (followed authors), and
whether it answers the paper links people post.

Both change the channel; the catalog limits them to channel managers, as it does `subscribe`.
"""

from __future__ import annotations

from dataclasses import replace

from bot.chat.channel_settings import MAX_TOPICS, checked_topic
from bot.chat.services import ChatServices
from bot.chat.spec import Invocation
from bot.errors import CommandError, UsageError
from bot.events import Reply
from bot.selection.taste import author_key, same_author

MAX_AUTHOR_CHARS = 100
MAX_AUTHORS = 20
LINK_CHOICES = {"on": True, "off": False}  # does the bot answer paper links posted in the channel?


async def mute(services: ChatServices, call: Invocation) -> Reply:
    topic = checked_topic(call.argument)
    channel = await services.load_channel(call.command.channel)
    if topic.lower() in (t.lower() for t in channel.muted):
        return Reply(f"This channel already mutes {topic!r}.")
    if len(channel.muted) >= MAX_TOPICS:
        raise CommandError(f"This channel already mutes {MAX_TOPICS} topics; unmute one first.")
    await services.update(replace(channel, muted=(*channel.muted, topic)))
    return Reply(f"This channel's digests leave out papers about {topic!r} from now on.", ephemeral=False)


async def unmute(services: ChatServices, call: Invocation) -> Reply:
    topic = checked_topic(call.argument)
    channel = await services.load_channel(call.command.channel)
    kept = tuple(t for t in channel.muted if t.lower() != topic.lower())
    if kept == channel.muted:
        raise CommandError(f"This channel does not mute {topic!r}.")
    await services.update(replace(channel, muted=kept))
    return Reply(f"This channel no longer mutes {topic!r}.", ephemeral=False)


async def follow(services: ChatServices, call: Invocation) -> Reply:
    name = _author(call.argument)
    channel = await services.load_channel(call.command.channel)
    if same := next((known for known in channel.authors if author_key(known) == author_key(name)), None):
        return Reply(f"This channel already follows {same}.")
    if len(channel.authors) >= MAX_AUTHORS:
        raise CommandError(f"This channel already follows {MAX_AUTHORS} authors; unfollow one first.")
    await services.update(replace(channel, authors=(*channel.authors, name)))
    return Reply(f"New papers by {name} now go first in this channel's digests.", ephemeral=False)


async def unfollow(services: ChatServices, call: Invocation) -> Reply:
    name = _author(call.argument)
    channel = await services.load_channel(call.command.channel)
    kept = tuple(known for known in channel.authors if not same_author(name, known))
    if kept == channel.authors:
        raise CommandError(f"This channel does not follow {name}.")
    await services.update(replace(channel, authors=kept))
    return Reply(f"This channel no longer follows {name}.", ephemeral=False)


async def links(services: ChatServices, call: Invocation) -> Reply:
    """Whether paper links posted in the channel get an answer (title, TL;DR, Save) and count as its taste."""
    answer = LINK_CHOICES[call.argument.lower()]
    channel = await services.load_channel(call.command.channel)
    await services.update(replace(channel, links=answer))
    if answer:
        return Reply("Paper links posted here get their title, TL;DR and a Save button in a thread.", ephemeral=False)
    return Reply("Paper links posted here get no answer from now on.", ephemeral=False)


def _author(name: str) -> str:
    if len(name) > MAX_AUTHOR_CHARS:
        raise UsageError(f"An author's name can be at most {MAX_AUTHOR_CHARS} characters.")
    if author_key(name) is None:
        raise UsageError(f"{name[:40]!r} is not a name; e.g. follow Yoshua Bengio or follow Y. Bengio.")
    return name
