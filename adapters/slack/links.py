"""Paper links posted in Slack channels: answered in the message's thread (`message` events), or, with
`[slack] unfurl_links`, as the link's own preview (`link_shared` + chat.unfurl, which needs the links:read and
links:write scopes and the paper sites as the app's unfurl domains). The answered papers become the channel's
(see `bot.chat.shared`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError

from adapters.slack.render import item_blocks, render_reply
from adapters.slack.translate import message_from_event, seed_file_from_event, shared_links_from_event
from bot.chat.links import paper_links
from bot.chat.seed import bibtex_ids
from bot.chat.shared import SharedAnswer, SharedPapers
from bot.errors import PaperbotError
from bot.events import IncomingCommand, IncomingMessage

if TYPE_CHECKING:
    from adapters.slack.adapter import SlackAdapter

log = logging.getLogger(__name__)
MAX_SEED_FILE_BYTES = 256 * 1024  # a BibTeX file of a few hundred entries; a bigger one is not read
Poster = Callable[[IncomingMessage, SharedAnswer], Awaitable[str]]  # posts an answer, returns the carrying message


class SlackLinks:
    """The `message` and `link_shared` listeners of one adapter."""

    def __init__(
        self,
        adapter: SlackAdapter,
        shared: SharedPapers,
        *,
        unfurl: bool = False,
        admins: Collection[str] = (),
        api_url: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._adapter = adapter
        self._admins = frozenset(admins)
        self._api_host = urlsplit(api_url or "").hostname  # a test server stands in for Slack's file hosts too
        self._shared = shared
        self._unfurl = unfurl
        self._clock = clock

    async def on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """Answer a person's paper links in the message's thread (unless they are answered as previews); a BibTeX
        file shared with the message "seed" seeds the channel."""
        if seeding := seed_file_from_event(event, body, self._admins):
            await self._seed(*seeding, thread=str(event.get("ts") or ""))
            return
        message = message_from_event(event, body)
        if message is None or self._unfurl:
            return
        await self._answer(message, self._reply_in_thread)

    async def on_link_shared(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """Answer paper links as their previews (chat.unfurl) under the person's message."""
        message = shared_links_from_event(event, body)
        if message is None or not self._unfurl:
            return
        await self._answer(message, self._preview)

    async def _answer(self, message: IncomingMessage, post: Poster) -> None:
        try:
            answer = await self._shared.answer(message)
            if answer is None:
                return
            posted_id = await post(message, answer)
            await self._shared.record(message, answer, posted_id, self._clock())
        except (PaperbotError, SlackApiError, SlackRequestError) as exc:
            log.warning("slack paper link not answered channel=%s: %s", message.channel, exc)

    async def _seed(self, command: IncomingCommand, url: str, *, thread: str) -> None:
        """Read the shared BibTeX file (bot token, size cap, Slack's own hosts only), then run `seed` with its ids."""
        ids = bibtex_ids(await self._download(command.workspace, url))
        reply = await self._adapter.answer(replace(command, text=" ".join(["seed", *ids])))
        try:
            await self._adapter.post(command.workspace, command.channel_id, render_reply(reply), thread_ts=thread)
        except (SlackApiError, SlackRequestError) as exc:
            log.warning("slack seed answer not posted channel=%s: %s", command.channel, exc)

    async def _download(self, workspace: str, url: str) -> str:
        """The file's text, or "" when it is not Slack's, too big, or not granted (files:read)."""
        host = (urlsplit(url).hostname or "").lower()
        if not (host == "slack.com" or host.endswith(".slack.com") or host == self._api_host):
            return ""
        token = await self._adapter.token(workspace) or self._adapter.client.token
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(
                    url, headers={"Authorization": f"Bearer {token}"}, timeout=aiohttp.ClientTimeout(total=10)
                ) as response,
            ):
                content = await response.content.read(MAX_SEED_FILE_BYTES + 1)
                if response.status != 200 or len(content) > MAX_SEED_FILE_BYTES:
                    return ""
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack seed file not read: %s", exc)
            return ""
        return content.decode("utf-8", "replace")

    async def _reply_in_thread(self, message: IncomingMessage, answer: SharedAnswer) -> str:
        payload = render_reply(answer.reply)
        response = await self._adapter.post(message.workspace, message.channel_id, payload, thread_ts=message.thread)
        return str(response["ts"])

    async def _preview(self, message: IncomingMessage, answer: SharedAnswer) -> str:
        """Each paper as the preview of the link that named it; an unknown id's line previews its link."""
        by_id = {item.paper_id: item for item in answer.reply.items}
        unfurls: dict[str, dict[str, Any]] = {}
        for url, arxiv_id in paper_links(message.text):
            if item := by_id.get(arxiv_id):
                unfurls[url] = {"blocks": item_blocks(item)}
            elif problem := answer.problems.get(arxiv_id):
                unfurls[url] = {"text": problem}
        token = await self._adapter.token(message.workspace)
        await self._adapter.client.chat_unfurl(
            token=token, channel=message.channel_id, ts=message.message_id, unfurls=unfurls
        )
        return message.message_id  # the preview belongs to the person's message: reactions there reach the paper
