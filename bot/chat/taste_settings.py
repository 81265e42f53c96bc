"""Handlers for what a channel never wants (muted topics), whose papers it always wants (followed authors), and
whether it answers the paper links people post.

All change the channel; the catalog limits them to channel managers, as it does `subscribe`.
"""

from __future__ import annotations

from dataclasses import replace

from bot.chat.channel_lists import ChannelList
from bot.chat.channel_settings import MAX_TOPICS, checked_topic
from bot.chat.services import ChatServices
from bot.chat.spec import Invocation
from bot.errors import UsageError
from bot.events import Reply
from bot.selection.taste import author_key, same_author

MAX_AUTHOR_CHARS = 100
MAX_AUTHORS = 20
MUTED = ChannelList(
    "muted",
    MAX_TOPICS,
    already="This channel already mutes {entry!r}.",
    full="This channel already mutes {limit} topics; unmute one first.",
    added="This channel's digests leave out papers about {entry!r} from now on.",
    missing="This channel does not mute {entry!r}.",
    removed="This channel no longer mutes {entry!r}.",
)
AUTHORS = ChannelList(
    "authors",
    MAX_AUTHORS,
    already="This channel already follows {known}.",
    full="This channel already follows {limit} authors; unfollow one first.",
    added="New papers by {entry} now go first in this channel's digests.",
    missing="This channel does not follow {entry}.",
    removed="This channel no longer follows {entry}.",
    same=same_author,
)
LINK_CHOICES = {"on": True, "off": False}  # does the bot answer paper links posted in the channel?


async def mute(services: ChatServices, call: Invocation) -> Reply:
    return await MUTED.add(services, call.command.channel, checked_topic(call.argument))


async def unmute(services: ChatServices, call: Invocation) -> Reply:
    return await MUTED.remove(services, call.command.channel, checked_topic(call.argument))


async def follow(services: ChatServices, call: Invocation) -> Reply:
    return await AUTHORS.add(services, call.command.channel, _author(call.argument))


async def unfollow(services: ChatServices, call: Invocation) -> Reply:
    return await AUTHORS.remove(services, call.command.channel, _author(call.argument))


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
