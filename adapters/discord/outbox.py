"""What the outbox needs from Discord: reading a digest's messages back, idempotent sends, and errors in core terms.

Each digest message's embed footer ends with the digest's mark (render.py); the bot can always read its own messages'
embeds (no message-content intent needed), so a restarted worker sees which papers of a digest already went out.
Reading history needs the Read Message History permission (part of the invite's permissions integer).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import aiohttp
import discord

from adapters.discord.render import digest_mark, footer_ids, parent_mark
from bot.errors import ChannelGoneError, TransientPostError
from bot.models import ChannelRef, PostedMessage

HISTORY_LIMIT = 200  # a digest is at most 50 messages; two pages of history also cover chatter in between
NONCE_LENGTH = 25  # Discord's maximum
THREAD_EXISTS = 160004  # "A thread has already been created for this message"


def message_nonce(digest_id: str, paper_ids: Sequence[str]) -> str:
    """A nonce that is the same for every attempt at one digest message.

    discord.py sends it with `enforce_nonce`, so Discord answers a repeat within a few minutes (discord.py's own
    retry of a 5xx, the outbox's retry after a timeout) with the message it already has instead of a second one.
    """
    key = f"{digest_id}:{','.join(paper_ids)}".encode()
    return hashlib.sha256(key).hexdigest()[:NONCE_LENGTH]


def posted_in(messages: Iterable[discord.Message], bot_id: int, digest_id: str) -> list[PostedMessage]:
    """The messages `bot_id` itself posted for `digest_id`, oldest first (a thread digest's parent carries no paper);
    anyone else's look-alikes are ignored."""
    mark = digest_mark(digest_id)
    found = []
    for message in messages:
        if message.author.id != bot_id:
            continue
        marked = [footer_ids(embed.footer.text or "") for embed in message.embeds]
        paper_ids = tuple(ids[0] for ids in marked if ids is not None and ids[1] == mark)
        if paper_ids or any(parent_mark(embed.footer.text or "") == mark for embed in message.embeds):
            found.append(PostedMessage(str(message.id), paper_ids))
    return sorted(found, key=lambda posted: int(posted.message_id))


def carried_by(message: discord.Message, bot_id: int) -> tuple[str, ...]:
    """The papers a digest message `bot_id` itself posted carries, by its footers' marks (whichever digest's); none for
    anyone else's message."""
    if message.author.id != bot_id:
        return ()
    return tuple(ids[0] for embed in message.embeds if (ids := footer_ids(embed.footer.text or "")) is not None)


@contextmanager
def refusals(ref: ChannelRef, posted: Sequence[PostedMessage] = ()) -> Iterator[None]:
    """Turn Discord's refusals into the core's post errors, keeping what went out before (`posted` is read late)."""
    try:
        yield
    except (discord.NotFound, discord.Forbidden) as exc:  # Unknown Channel, Missing Access / Permissions
        raise ChannelGoneError(
            f"Discord channel {ref.channel_id} refuses the bot: {exc.text or exc.status}", posted=posted
        ) from None
    except (discord.DiscordServerError, aiohttp.ClientError, TimeoutError) as exc:
        raise TransientPostError(f"Discord failed or timed out: {exc}", posted=posted) from None
