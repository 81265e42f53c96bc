"""Paper buttons pressed on Discord: acknowledged at once (Discord waits 3 s), done by the core, answered to the presser
alone. A press on a digest message gets an ephemeral answer; a press on an answer's own button ("Saved ✓") edits
that answer in place.
"""

from __future__ import annotations

import logging

import discord

from adapters.discord.render import NO_MENTIONS, render_reply
from adapters.discord.translate import action_from_interaction
from bot.chat.actions import ActionHandler
from bot.errors import PaperbotError
from bot.events import PaperAction, Reply

log = logging.getLogger(__name__)


class Presses:
    """What a paper button's callback runs (`PaperClient.answer_press`)."""

    def __init__(self, actions: ActionHandler | None) -> None:
        self._actions = actions

    async def answer(self, interaction: discord.Interaction, action: PaperAction, paper_id: str) -> None:
        on_answer = interaction.message is not None and interaction.message.flags.ephemeral
        if on_answer:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
        messages = render_reply(await self._run(interaction, action, paper_id))
        if on_answer:
            first = messages[0]
            await interaction.edit_original_response(
                content=first.content, embeds=list(first.embeds), view=first.view, allowed_mentions=NO_MENTIONS
            )
            return
        for rendered in messages:
            await interaction.followup.send(
                content=rendered.content or discord.utils.MISSING,
                embeds=list(rendered.embeds),
                files=rendered.files(),
                view=rendered.view or discord.utils.MISSING,
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )

    async def _run(self, interaction: discord.Interaction, action: PaperAction, paper_id: str) -> Reply:
        """The core's answer; every failure is one polite line."""
        incoming = action_from_interaction(interaction, action, paper_id)
        if incoming is None:
            return Reply("These buttons work in a server channel.")
        if self._actions is None:
            return Reply("Sorry, this bot does not answer buttons.")
        try:
            return await self._actions.handle(incoming)
        except PaperbotError as exc:
            return Reply(str(exc))
        except Exception:
            log.exception("button %s on %r in %s failed", action, paper_id[:80], incoming.channel)
            return Reply("Sorry, something went wrong.")
