"""Paper links posted in Discord channels: each answered with a reply to its message (no ping) carrying the paper's
title, TL;DR and Save button; the answered papers become the channel's (see `bot.chat.shared`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import discord

from adapters.discord.outbox import refusals
from adapters.discord.render import NO_MENTIONS, render_reply
from adapters.discord.translate import message_from_gateway
from bot.chat.shared import SharedPapers
from bot.errors import PaperbotError

log = logging.getLogger(__name__)


class LinkAnswers:
    """The `on_message` listener: answers paper links, paced with every other post of the bot."""

    def __init__(
        self,
        shared: SharedPapers,
        pace: Callable[[], Awaitable[None]],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._shared = shared
        self._pace = pace
        self._clock = clock

    async def on_message(self, message: discord.Message) -> None:
        incoming = message_from_gateway(message)
        if incoming is None:
            return
        try:
            answer = await self._shared.answer(incoming)
            if answer is None:
                return
            first = render_reply(answer.reply)[0]  # one paper link or three: one message holds their embeds
            extra: dict[str, Any] = {"view": first.view} if first.view is not None else {}
            await self._pace()
            with refusals(incoming.channel):
                sent = await message.reply(
                    content=first.content,
                    embeds=list(first.embeds),
                    mention_author=False,
                    allowed_mentions=NO_MENTIONS,
                    **extra,
                )
            await self._shared.record(incoming, answer, str(sent.id), self._clock())
        except PaperbotError as exc:
            log.warning("discord paper link not answered in %s: %s", incoming.channel, exc)
