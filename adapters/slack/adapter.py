"""The Slack side of paperbot: a bolt app that answers `/papers`, saves papers on reactions and buttons, keeps each
user's App Home, and posts digests.

Payloads are translated once (translate.py) and answers rendered once (render.py, home.py); this module only wires bolt
to the core and talks to the Web API, retrying rate limits (honouring Retry-After) and pacing posts per channel. Bolt
verifies every request's signature and acks each button press before the work starts (Slack waits 3 s at most).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import SecretStr
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.home_tab import HomeTab
from adapters.slack.links import SlackLinks
from adapters.slack.outage import OneLineOutage
from adapters.slack.outbox import HISTORY_LIMIT, HistoryBudget, carried_by, digest_metadata, post_error, posted_in
from adapters.slack.presses import Presses
from adapters.slack.render import digest_papers, escape, render_digest, render_reply
from adapters.slack.translate import command_from_payload, reaction_from_event
from bot.chat.reactions import ReactionHandler
from bot.chat.router import CommandRouter
from bot.config import SlackSettings
from bot.crashpoint import crash_point
from bot.delivery.pacing import RateLimiter
from bot.errors import ChannelGoneError, ConfigError, PaperbotError
from bot.events import IncomingCommand, Reply
from bot.models import ChannelRef, DigestLayout, DigestMessage, PostedMessage
from bot.ports.chat import Recorder

if TYPE_CHECKING:
    from adapters.slack.oauth import SlackInstallations
    from bot.chat.actions import ActionHandler
    from bot.chat.home import HomeService
    from bot.chat.saves import ObservedReadingLists
    from bot.chat.shared import SharedPapers

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong; please try again in a minute."
_PRUNE_AT = 10_000


def workspace_limiter(posts_per_s: float) -> RateLimiter:
    """Posts to all of Slack paced at `posts_per_s` (`scheduler.posts_per_s.slack`), a second's worth in a burst:
    Slack's limits allow short bursts, and a due batch of small digests should not queue behind a steady drip."""
    return RateLimiter(posts_per_s, burst=max(1, int(posts_per_s)))


class ChannelPacer:
    """Spaces posts to one channel `interval` seconds apart: Slack allows about one message per second per channel.

    Reserving a slot has no await in it, so concurrent senders to one channel queue up without a lock.
    """

    def __init__(self, interval: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval
        self._clock = clock
        self._next: dict[str, float] = {}

    async def wait(self, channel: str) -> None:
        """Return when the next post to `channel` may go out."""
        if self._interval <= 0:
            return
        now = self._clock()
        slot = max(now, self._next.get(channel, now))
        self._next[channel] = slot + self._interval
        if len(self._next) > _PRUNE_AT:  # forget channels whose slots have passed, so memory stays bounded
            self._next = {key: due for key, due in self._next.items() if due > now}
        if slot > now:
            await asyncio.sleep(slot - now)


class SlackAdapter:
    """One workspace (single bot token, Socket Mode or HTTP), or with `installations` every workspace that installed
    the app through 'Add to Slack' (HTTP), each posted to with its own bot token; bolt verifies request signatures.
    """

    platform = "slack"

    def __init__(
        self,
        settings: SlackSettings,
        router: CommandRouter,
        reactions: ReactionHandler,
        *,
        channel_interval: float = 1.0,
        max_in_flight: int = 16,
        max_rate_limit_retries: int = 3,
        installations: SlackInstallations | None = None,
        limiter: RateLimiter | None = None,
        actions: ActionHandler | None = None,
        home: HomeService | None = None,
        saves: ObservedReadingLists | None = None,
        shared: SharedPapers | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._limiter = limiter  # shared by every digest of this platform in the process
        self._installations = installations  # owned: closed by stop()
        self._router = router
        self._reactions = reactions
        self._admins = frozenset(settings.admins)
        self._pacer = ChannelPacer(channel_interval)
        self._history = HistoryBudget(settings.history_interval_s)  # read-backs share Slack's per-workspace limit
        # However many digests the scheduler fires at once, only this many posts are on the wire: more would only
        # earn 429s from the workspace-wide limit, and each 429 costs a Retry-After pause.
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._socket: AsyncSocketModeHandler | None = None
        self._over_http = False
        self.client = AsyncWebClient(
            token=None if installations else _required(settings.bot_token, "slack.bot_token (SLACK_BOT_TOKEN)"),
            base_url=api_base_url(settings.api_url),
            timeout=settings.timeout_s,
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(),
                AsyncRateLimitErrorRetryHandler(max_retry_count=max_rate_limit_retries),
            ],
        )
        signing_secret = settings.signing_secret.get_secret_value() if settings.signing_secret else ""
        oauth_flow = installations.oauth_flow(self.client.base_url) if installations else None
        self.app = AsyncApp(client=self.client, signing_secret=signing_secret, oauth_flow=oauth_flow)
        if installations:
            self.app.enable_token_revocation_listeners()  # app_uninstalled / tokens_revoked delete the installation
        self.app.command(settings.command)(self._on_command)
        self.app.event("reaction_added")(self._on_reaction)
        self.app.event("reaction_removed")(self._on_reaction)
        self.home = HomeTab(self, home, actions, command=settings.command, save_emoji=settings.save_emoji)
        self.presses = Presses(self, actions, self.home)
        self.app.action(re.compile(r"^paper\."))(self.presses.on_paper)
        self.app.action(re.compile(r"^home\."))(self.home.on_press)
        self.app.event("app_home_opened")(self.home.on_opened)
        if shared is not None:  # paper links posted in channels get an answer in their thread, or as their preview
            unfurl, admins, api = settings.unfurl_links, settings.admins, settings.api_url
            links = SlackLinks(self, shared, unfurl=unfurl, admins=admins, api_url=api, clock=clock)
            self.app.event("message")(links.on_message)
            self.app.event("link_shared")(links.on_link_shared)
        if saves is not None:  # a save or unsave anywhere (reaction, button, command) refreshes that user's home
            saves.listen(self.home.on_reading_list_changed)

    async def send_digest(self, message: DigestMessage, on_posted: Recorder | None = None) -> list[PostedMessage]:
        """Post one message per paper to the digest's channel (THREAD layout: into the thread of a parent listing them,
        posted first unless it is already); each message's ts maps a reaction or a button back to its paper, and is
        recorded through `on_posted` before the next message goes."""
        channel = message.channel.channel_id
        paper_ids = digest_papers(message)
        token = await self._installations.bot_token(message.channel.workspace) if self._installations else None
        posted: list[PostedMessage] = []
        thread = message.thread_id  # THREAD layout: the parent's ts, once posted; every paper replies under it
        for payload, ids in zip(render_digest(message), paper_ids, strict=True):
            await self._pacer.wait(channel)
            if self._limiter:
                await self._limiter.acquire()
            try:
                async with self._in_flight:
                    response = await self.client.chat_postMessage(
                        token=token,
                        channel=channel,
                        text=payload["text"],
                        blocks=payload["blocks"],
                        unfurl_links=False,
                        unfurl_media=False,
                        metadata=digest_metadata(message.digest_id, ids),
                        thread_ts=thread,
                    )
            except Exception as exc:
                raise post_error(exc, posted) from exc
            posted.append(PostedMessage(str(response["ts"]), ids))
            if message.layout is DigestLayout.THREAD and thread is None:
                thread = str(response["ts"])
            crash_point("slack-message-posted")
            if on_posted is not None:
                await on_posted(posted[-1])
        log.info("slack digest posted channel=%s messages=%d", message.channel, len(posted))
        return posted

    async def post(self, workspace: str, channel: str, payload: dict[str, Any], *, thread_ts: str) -> Any:
        """Post one rendered answer into a thread, paced like every post to the channel; previews stay off."""
        token = await self.token(workspace)
        await self._pacer.wait(channel)
        async with self._in_flight:
            return await self.client.chat_postMessage(
                token=token,
                channel=channel,
                thread_ts=thread_ts,
                text=payload["text"],
                blocks=payload["blocks"],
                unfurl_links=False,
                unfurl_media=False,
            )

    async def send_notice(self, ref: ChannelRef, text: str) -> None:
        """Post a one-line notice (a quiet day, a source outage) as plain text, escaped so it cannot ping anyone."""
        token = await self._installations.bot_token(ref.workspace) if self._installations else None
        await self._pacer.wait(ref.channel_id)
        if self._limiter:
            await self._limiter.acquire()
        try:
            async with self._in_flight:
                await self.client.chat_postMessage(
                    token=token,
                    channel=ref.channel_id,
                    text=escape(text),
                    unfurl_links=False,
                    unfurl_media=False,
                )
        except Exception as exc:
            raise post_error(exc, ()) from exc

    async def find_posted(self, ref: ChannelRef, digest_id: str, after: str | None = None) -> list[PostedMessage]:
        """The channel's recent messages that carry `digest_id` (those after message `after` only, when given), so a
        resumed digest never reposts them; each history call waits for the workspace's budget first."""
        token = await self._installations.bot_token(ref.workspace) if self._installations else None
        try:
            async with self._history.turn(ref.workspace):
                response = await self.client.conversations_history(  # slack_sdk leaves out a None `oldest`
                    token=token, channel=ref.channel_id, limit=HISTORY_LIMIT, include_all_metadata=True, oldest=after
                )
            found = posted_in(response.get("messages") or [], digest_id)
            for parent in [posted for posted in found if not posted.paper_ids]:  # a thread digest's replies
                async with self._history.turn(ref.workspace):
                    thread = await self.client.conversations_replies(
                        token=token,
                        channel=ref.channel_id,
                        ts=parent.message_id,
                        limit=HISTORY_LIMIT,
                        include_all_metadata=True,
                    )
                found += [m for m in posted_in(thread.get("messages") or [], digest_id) if m.paper_ids]
        except Exception as exc:
            raise post_error(exc, ()) from exc
        return sorted(found, key=lambda posted: float(posted.message_id))

    async def answer(self, command: IncomingCommand) -> Reply:
        """Run a command through the router; every failure becomes a polite one-line reply, never an exception."""
        try:
            return await self._router.handle(command, send=self.send_digest)
        except ChannelGoneError:
            return Reply("I can't post in this channel; invite me (/invite @paperbot) and try again.")
        except PaperbotError as exc:
            return Reply(str(exc))
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
            log.warning("slack refused a post for channel=%s: %s", command.channel, error)
            if error in {"not_in_channel", "channel_not_found", "is_archived"}:
                return Reply("I can't post in this channel; invite me (/invite @paperbot) and try again.")
            return Reply(f"Slack refused the post ({error}); please try again later.")
        except Exception:
            log.exception("slack command failed channel=%s", command.channel)
            return Reply(SORRY)

    async def start(self) -> None:
        """Connect over Socket Mode (no public URL needed), unless Slack's requests arrive over HTTP (`add_routes`);
        returns once connected, events arrive in the background."""
        if self._over_http:
            return
        if self._installations:
            raise ConfigError("'Add to Slack' (slack.client_id) needs a public redirect URL: run with --http")
        token = _required(self._settings.app_token, "slack.app_token (SLACK_APP_TOKEN)")
        self._socket = AsyncSocketModeHandler(self.app, token)
        outage = OneLineOutage(self._socket.client.ping_interval, self.client.base_url)
        for logger in {self._socket.client.logger, self.client.logger}:
            logger.addFilter(outage)
        await self._socket.connect_async()  # retries while Slack is unreachable; the worker cancels it to stop
        log.info("slack connected over socket mode")

    def add_routes(self, web_app: web.Application, path: str = "/slack/events") -> None:
        """Receive Slack's signed HTTP requests (events, slash commands, 'Add to Slack') on `web_app` at `path`, in
        place of Socket Mode; bolt verifies each request's signature."""
        _required(self._settings.signing_secret, "slack.signing_secret (SLACK_SIGNING_SECRET)")
        for resource in AsyncSlackAppServer(port=0, path=path, app=self.app).web_app.router.resources():
            for route in resource:
                web_app.router.add_route(route.method, resource.canonical, route.handler)
        self._over_http = True
        log.info("slack receives HTTP requests at %s", path)

    async def stop(self) -> None:
        """Disconnect Socket Mode if it was started; close the installations."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._installations is not None:
            await self._installations.close()

    async def token(self, workspace: str) -> str | None:
        """The bot token to call the Web API with for `workspace` (None: the client's own, single-workspace token)."""
        return await self._installations.bot_token(workspace) if self._installations else None

    async def send_file(self, command: IncomingCommand, name: str, content: bytes) -> bool:
        """Send a command's file (an exported reading list) to its user in a direct message: a file belongs in a file,
        and a reading list is its owner's. False when Slack refuses (im:write or files:write not granted)."""
        comment = f"Your reading list, as requested in <#{command.channel_id}>."
        return await self.send_file_to(command.workspace, command.user_id, name, content, comment)

    async def send_file_to(self, workspace: str, user_id: str, name: str, content: bytes, comment: str) -> bool:
        """Send a file to a user in a direct message; False when Slack refuses (im:write or files:write not granted)."""
        token = await self.token(workspace)
        try:
            opened = await self.client.conversations_open(token=token, users=user_id)
            await self.client.files_upload_v2(
                token=token,
                channel=opened["channel"]["id"],
                filename=name,
                title=name,
                content=content,
                initial_comment=comment,
            )
        except (SlackApiError, SlackRequestError) as exc:
            error = exc.response.get("error", "") if isinstance(exc, SlackApiError) and exc.response else str(exc)
            log.warning("slack file not sent (%s): the export is shown inline instead", error)
            return False
        return True

    async def _on_command(self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()  # Slack wants an answer within 3 s; the real one follows through response_url
        incoming = command_from_payload(command, self._admins)
        reply = await self.answer(incoming) if incoming else Reply("Sorry, this command cannot be used here.")
        if incoming and reply.attachment and await self.send_file(incoming, *reply.attachment):
            reply = replace(reply, text=f"{reply.text} I sent it to you in a direct message.", attachment=None)
        response_type = "ephemeral" if reply.ephemeral else "in_channel"
        try:
            await respond(**render_reply(reply), response_type=response_type)
        except Exception:
            log.exception("slack reply failed")

    async def _on_reaction(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        reaction = reaction_from_event(event, body)
        if reaction is None:
            return
        try:
            await self._reactions.handle(reaction, partial(self.carried_papers, reaction.channel, reaction.message_id))
        except PaperbotError as exc:
            log.warning("slack reaction not applied channel=%s: %s", reaction.channel, exc)

    async def carried_papers(self, ref: ChannelRef, ts: str) -> tuple[str, ...]:
        """The papers digest message `ts` carries, by its own metadata: for a reaction on a message our store never
        recorded (its worker died in between). One history read, within the workspace's budget; a message in a thread
        is not found this way, and a failed read finds nothing."""
        token = await self._installations.bot_token(ref.workspace) if self._installations else None
        try:
            async with self._history.turn(ref.workspace):
                response = await self.client.conversations_history(
                    token=token, channel=ref.channel_id, latest=ts, inclusive=True, limit=1, include_all_metadata=True
                )
        except SlackApiError as exc:
            log.info("slack message %s in %s unreadable: %s", ts, ref, exc.response.get("error"))
            return ()
        except (SlackRequestError, OSError, TimeoutError) as exc:
            log.info("slack message %s in %s unreadable: %s", ts, ref, type(exc).__name__)
            return ()
        return carried_by(response.get("messages") or [], ts)


def _required(secret: SecretStr | None, name: str) -> str:
    if secret is None or not secret.get_secret_value():
        raise ConfigError(f"{name} is not set")
    return secret.get_secret_value()


def api_base_url(url: str | None) -> str:
    """The Web API base URL; slack_sdk joins method names onto it, so it must end with a slash."""
    if not url:
        return AsyncWebClient.BASE_URL
    return url if url.endswith("/") else url + "/"
