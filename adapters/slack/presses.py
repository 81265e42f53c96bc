"""Buttons pressed on Slack digest papers: acked at once, done by the core, answered to the presser alone.

An answer goes to the presser as an ephemeral message in the channel (chat.postEphemeral); a press on an answer's own
button ("Saved ✓") replaces that answer through the press's response_url. "Not interested" changes the channel's
digest, so the channel's message changes with it (chat.update): a line saying so, and the menu offering the undo.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.errors import SlackApiError, SlackRequestError

from adapters.slack.buttons import with_hidden_mark
from adapters.slack.render import render_reply
from adapters.slack.translate import action_from_payload
from bot.errors import PaperbotError
from bot.events import IncomingAction, PaperAction, Reply

if TYPE_CHECKING:
    from adapters.slack.adapter import SlackAdapter
    from adapters.slack.home_tab import HomeTab
    from bot.chat.actions import ActionHandler

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong; please try again in a minute."
NO_BUTTONS = "Sorry, this bot does not answer buttons."
_CHANGES_CHANNEL = (PaperAction.HIDE, PaperAction.UNHIDE)


class Presses:
    """The bolt listener for every `paper.*` action."""

    def __init__(self, adapter: SlackAdapter, actions: ActionHandler | None, home: HomeTab) -> None:
        self._adapter = adapter
        self._actions = actions
        self._home = home

    async def on_paper(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()  # within Slack's 3 s, before anything slow; the answer follows
        incoming = action_from_payload(body, action)
        if incoming is None:  # the menu's PDF link (Slack opened it), or a payload that names no paper
            return
        if incoming.channel_id is None:  # a press in the App Home
            await self._home.pressed(incoming, *await self.run(incoming))
            return
        reply, done = await self.run(incoming)
        await self._answer(body, incoming, reply, respond)
        if done and incoming.action in _CHANGES_CHANNEL and incoming.message_id:
            await self._mark(body, incoming)

    async def run(self, incoming: IncomingAction) -> tuple[Reply, bool]:
        """The core's answer, and whether it did what was asked; every failure is one polite line."""
        if self._actions is None:
            return Reply(NO_BUTTONS), False
        try:
            return await self._actions.handle(incoming), True
        except PaperbotError as exc:
            return Reply(str(exc)), False
        except Exception:
            log.exception("slack press %s failed channel=%s", incoming.action, incoming.channel)
            return Reply(SORRY), False

    async def _answer(
        self, body: Mapping[str, Any], incoming: IncomingAction, reply: Reply, respond: AsyncRespond
    ) -> None:
        message = render_reply(reply)
        container = body.get("container") or {}
        try:
            if container.get("is_ephemeral"):  # an answer's own button: the new answer takes its place
                await respond(text=message["text"], blocks=message["blocks"], replace_original=True)
                return
            await self._adapter.client.chat_postEphemeral(
                token=await self._adapter.token(incoming.workspace),
                channel=str(incoming.channel_id),
                user=incoming.user_id,
                text=message["text"],
                blocks=message["blocks"],
            )
        except (SlackApiError, SlackRequestError) as exc:  # e.g. a presser the bot cannot see: try the press's URL
            log.warning("slack ephemeral answer refused channel=%s: %s", incoming.channel, exc)
            try:
                await respond(
                    text=message["text"], blocks=message["blocks"], response_type="ephemeral", replace_original=False
                )
            except Exception:
                log.exception("slack answer to a press not delivered channel=%s", incoming.channel)

    async def _mark(self, body: Mapping[str, Any], incoming: IncomingAction) -> None:
        """Show the channel that its paper was marked (or unmarked) not interesting, in the digest message itself."""
        message = body.get("message")
        if not isinstance(message, Mapping) or not isinstance(message.get("blocks"), list):
            return
        who = incoming.user_id if incoming.action is PaperAction.HIDE else None
        blocks = with_hidden_mark(message["blocks"], incoming.paper_id, who)
        try:
            await self._adapter.client.chat_update(
                token=await self._adapter.token(incoming.workspace),
                channel=str(incoming.channel_id),
                ts=str(incoming.message_id),
                text=str(message.get("text") or ""),
                blocks=blocks,
            )
        except (SlackApiError, SlackRequestError) as exc:
            log.warning("slack digest message not updated channel=%s: %s", incoming.channel, exc)
