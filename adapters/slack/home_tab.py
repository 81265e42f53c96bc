"""The App Home tab: published when a user opens it, again whenever their reading list changes (a save or unsave
anywhere: reaction, button, command), and after a press in it (Unsave, a page, an export).

Publishing is coalesced per user: a change that lands while that user's home is being published makes one more
publish afterwards, never a pile of them. Which page a user is on is remembered per process (a worker that did not
serve their last press shows the first page). Channel memberships are remembered for `CHANNELS_TTL_S`:
users.conversations allows about 50 calls a minute, and a busy workspace saves more often than that.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError, SlackRequestError

from adapters.slack.home import EXPORT, PAGE, page_of, render_home
from adapters.slack.translate import PLATFORM, home_reader
from bot.chat.export import FORMATS
from bot.errors import PaperbotError
from bot.events import IncomingAction, Reply
from bot.models import Reader

if TYPE_CHECKING:
    from adapters.slack.adapter import SlackAdapter
    from bot.chat.actions import ActionHandler
    from bot.chat.home import HomeService

log = logging.getLogger(__name__)

CHANNEL_TYPES = "public_channel,private_channel"
CHANNELS_PAGE = 200  # users.conversations' page size (Slack allows up to 1000, recommends at most 200)
MAX_CHANNEL_PAGES = 5
REMEMBERED_PAGES = 10_000
CHANNELS_TTL_S = 120.0
NO_FILE = "I couldn't send the file: the app needs the im:write and files:write scopes."

Key = tuple[str, str]


class HomeTab:
    """Builds each user's home from the core's `HomeService` and publishes it with views.publish."""

    def __init__(
        self,
        adapter: SlackAdapter,
        home: HomeService | None,
        actions: ActionHandler | None,
        *,
        command: str,
        save_emoji: str,
    ) -> None:
        self._adapter = adapter
        self._home = home
        self._actions = actions
        self._command = command
        self._save_emoji = save_emoji
        self._pages: OrderedDict[Key, int] = OrderedDict()
        self._publishing: set[Key] = set()
        self._stale: dict[Key, str | None] = {}  # changed while publishing: publish again (with this notice)
        self._memberships: OrderedDict[Key, tuple[float, list[str]]] = OrderedDict()  # (workspace, user or "") -> ids

    async def on_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """`app_home_opened`: the Home tab (not the Messages tab) gets the user's current view."""
        if event.get("tab") != "home":
            return
        if (reader := home_reader(body, event.get("user"))) is not None:
            view = event.get("view")
            if isinstance(view, Mapping) and self._key(reader) not in self._pages:
                self._remember(reader, page_of(view.get("private_metadata")))
            await self.refresh(reader)

    async def on_press(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A pager or export button in the tab."""
        await ack()
        reader = home_reader(body)
        if reader is None:
            return
        name, value = str(action.get("action_id") or ""), str(action.get("value") or "")
        if name.startswith(PAGE) and value.isdigit():
            self._remember(reader, int(value))
            await self.refresh(reader)
        elif name.startswith(EXPORT) and value in FORMATS:
            await self.refresh(reader, await self._export(reader, value))

    async def pressed(self, incoming: IncomingAction, reply: Reply, done: bool) -> None:
        """A paper button in the tab (Unsave) was `done`, or failed with `reply`'s line: show the list as it is now."""
        await self.refresh(incoming.reader, None if done else reply.text)

    async def on_reading_list_changed(self, reader: Reader) -> None:
        if reader.platform == PLATFORM:
            await self.refresh(reader)

    async def refresh(self, reader: Reader, notice: str | None = None) -> None:
        """Publish the reader's home now, or once more after the publish under way; failures are logged."""
        key = self._key(reader)
        if key in self._publishing:
            self._stale[key] = notice or self._stale.get(key)
            return
        self._publishing.add(key)
        try:
            while True:
                await self._publish(reader, notice)
                if key not in self._stale:
                    return
                notice = self._stale.pop(key)
        finally:
            self._publishing.discard(key)
            self._stale.pop(key, None)

    async def _publish(self, reader: Reader, notice: str | None) -> None:
        if self._home is None:
            return
        try:
            token = await self._adapter.token(reader.workspace)
            channels, channels_error = await self._shared_channels(token, reader)
            view = await self._home.view(reader, self._pages.get(self._key(reader), 1), channels)
            self._remember(reader, view.page)
            rendered = render_home(
                view, command=self._command, save_emoji=self._save_emoji, notice=notice, channels_error=channels_error
            )
            await self._adapter.client.views_publish(token=token, user_id=reader.user_id, view=rendered)
        except (SlackApiError, SlackRequestError, PaperbotError) as exc:
            log.warning("slack home not published for %s/%s: %s", reader.workspace, reader.user_id, exc)

    async def _shared_channels(self, token: str | None, reader: Reader) -> tuple[list[str], str | None]:
        """The channels both the user and the bot are in (the bot's order), or why they cannot be listed."""
        try:
            bots = await self._member_of(token, reader.workspace, None)
            users = set(await self._member_of(token, reader.workspace, reader.user_id))
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
            log.warning("slack channels of %s not listed: %s", reader.user_id, error)
            if error == "missing_scope":
                return [], "Your channels can't be listed: the app needs the channels:read and groups:read scopes."
            return [], f"Your channels can't be listed just now (Slack said {error})."
        return [channel for channel in bots if channel in users], None

    async def _member_of(self, token: str | None, workspace: str, user: str | None) -> list[str]:
        """The channels `user` is in (None: the bot's own), as users.conversations said within `CHANNELS_TTL_S`."""
        key = (workspace, user or "")
        if (known := self._memberships.get(key)) is not None and time.monotonic() - known[0] < CHANNELS_TTL_S:
            return known[1]
        found = await self._list_member_of(token, user)
        self._memberships[key] = (time.monotonic(), found)
        self._memberships.move_to_end(key)
        if len(self._memberships) > REMEMBERED_PAGES:
            self._memberships.popitem(last=False)
        return found

    async def _list_member_of(self, token: str | None, user: str | None) -> list[str]:
        """users.conversations, page by page."""
        found: list[str] = []
        cursor = None
        for _ in range(MAX_CHANNEL_PAGES):
            extra = {"user": user} if user else {}
            response = await self._adapter.client.users_conversations(
                token=token, types=CHANNEL_TYPES, exclude_archived=True, limit=CHANNELS_PAGE, cursor=cursor, **extra
            )
            found += [str(c["id"]) for c in response.get("channels") or [] if isinstance(c, Mapping) and c.get("id")]
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return found

    async def _export(self, reader: Reader, fmt: str) -> str:
        """Send the reading list as a file in a direct message, as `/papers saved export` does; the line to show."""
        if self._actions is None:
            return "Sorry, this bot cannot export reading lists."
        try:
            reply = await self._actions.export(reader, fmt)
        except PaperbotError as exc:
            return str(exc)
        if reply.attachment is None:
            return reply.text
        name, content = reply.attachment
        comment = "Your reading list, as exported from the app's Home tab."
        if await self._adapter.send_file_to(reader.workspace, reader.user_id, name, content, comment):
            return f"{reply.text} It is in your direct messages with the app."
        return NO_FILE

    def _remember(self, reader: Reader, page: int) -> None:
        key = self._key(reader)
        self._pages[key] = page
        self._pages.move_to_end(key)
        if len(self._pages) > REMEMBERED_PAGES:
            self._pages.popitem(last=False)

    @staticmethod
    def _key(reader: Reader) -> Key:
        return reader.workspace, reader.user_id
