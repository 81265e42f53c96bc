"""The Discord adapter: `/papers` slash commands, paper buttons, raw reaction saves, and paced digest fan-out over REST.

Least intents (guilds, guild reactions; no message content): commands and button presses arrive as interactions and
reactions as raw events, which work for messages the client never cached because the store maps message ids back to
papers and each button's custom_id names its paper.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from functools import partial
from typing import Any, Optional, TypeVar
from zoneinfo import available_timezones

import aiohttp
import discord
from discord import app_commands

from adapters.discord.components import PaperButton, PaperClient
from adapters.discord.links import LinkAnswers
from adapters.discord.outage import OneLineOutage, gateway_unreachable
from adapters.discord.outbox import HISTORY_LIMIT, carried_by, message_nonce, posted_in, refusals
from adapters.discord.presses import Presses
from adapters.discord.render import (
    MAX_CONTENT,
    NO_MENTIONS,
    RenderedMessage,
    render_digest,
    render_reply,
    safe_text,
    thread_name,
)
from adapters.discord.threads import Threads
from adapters.discord.translate import (
    attached_text,
    command_from_interaction,
    command_text,
    reaction_from_event,
)
from bot.chat.actions import ActionHandler
from bot.chat.catalog import CATALOG
from bot.chat.reactions import ReactionHandler
from bot.chat.router import CommandRouter
from bot.chat.shared import SharedPapers
from bot.chat.spec import ArgKind, Argument, Command
from bot.config import DiscordSettings
from bot.crashpoint import crash_point
from bot.delivery.pacing import RateLimiter
from bot.errors import ConfigError, PaperbotError, PlatformUnreachableError, TransientPostError
from bot.events import Reply
from bot.models import ChannelRef, DigestLayout, DigestMessage, PostedMessage
from bot.ports.chat import Recorder
from bot.ports.papers import Papers

log = logging.getLogger(__name__)
_T = TypeVar("_T")

RECONNECT_BASE_S, RECONNECT_CAP_S = 5.0, 120.0  # back-off between attempts while Discord is unreachable
AUTOCOMPLETE_CHOICES = 25  # Discord's maximum
AUTOCOMPLETE_SCAN = 500  # recent papers searched for an id prefix or headline match
_ZONES = tuple(sorted(available_timezones()))
STALE = "This command is out of date; an admin should run `paperbot discord sync`."
SORRY = "Sorry, something went wrong."
Completer = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]


def global_limiter(posts_per_s: float) -> RateLimiter:
    """The bot's REST requests spaced evenly at `posts_per_s` (`scheduler.posts_per_s.discord`).

    Discord's global limit (50 requests/s per bot token, however many processes share it) counts each second, so no
    burst on top of the steady rate: a burst would earn 429s that stall every send at once.
    """
    return RateLimiter(posts_per_s, burst=1)


class DiscordAdapter:
    """Serves `/papers` in every server the bot is in and posts digests; one instance per process and token.

    `limiter` paces every REST request the bot makes (the worker passes `global_limiter` at the configured rate);
    without one, requests are not paced. When `settings.api_url` is set, discord.py's REST base URL
    (`discord.http.Route.BASE`, a class attribute) is pointed at it for the whole process; that is meant for tests
    and benchmarks against a local fake server.
    """

    platform = "discord"

    def __init__(
        self,
        settings: DiscordSettings,
        router: CommandRouter,
        reactions: ReactionHandler,
        library: Papers,
        *,
        limiter: RateLimiter | None = None,
        actions: ActionHandler | None = None,
        shared: SharedPapers | None = None,
    ) -> None:
        self._settings = settings
        self._router = router
        self._reactions = reactions
        self._library = library
        self._limiter = limiter
        self._gateway: asyncio.Task[None] | None = None
        self._opened = False  # login() sets the client up; only then is there anything to close
        if settings.api_url:
            discord.http.Route.BASE = settings.api_url.rstrip("/")
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_reactions = True
        # Paper links: MESSAGE_CREATE (not privileged) carries a message's text only where it mentions the bot, unless
        # the operator turned on the privileged message_content intent (discord.message_content) for the bot.
        intents.guild_messages = shared is not None
        intents.message_content = shared is not None and settings.message_content
        # Discord requires shards past 2,500 guilds; without a configured count the client asks the gateway for the
        # recommended one at connect (a single shard for small bots), so growth never needs a config change.
        self.client = PaperClient(intents=intents, allowed_mentions=NO_MENTIONS, shard_count=settings.shard_count)
        self.tree = app_commands.CommandTree(self.client)
        self.tree.add_command(_build_group(self))
        self.tree.error(self.on_command_error)
        self.client.event(self.on_raw_reaction_add)
        self.client.event(self.on_raw_reaction_remove)
        self.links = LinkAnswers(shared, self._pace) if shared is not None else None
        if self.links is not None:
            self.client.event(self.on_message)
        # Paper buttons are matched by their custom_id, so registering the item class once serves every digest
        # message ever posted, by this process or another, before a restart or after.
        self.client.answer_press = Presses(actions).answer
        self.client.add_dynamic_items(PaperButton)
        self._threads = Threads(self.client, self._pace)

    async def login(self) -> None:
        """Log in over REST only: enough to post digests and sync commands without a gateway connection. A login
        unanswered for `discord.timeout_s` (a network that drops packets) fails as unreachable."""
        token = self._token()
        self._opened = True
        timeout_s = self._settings.timeout_s
        try:
            async with asyncio.timeout(timeout_s):
                await self.client.login(token)
        except discord.LoginFailure:
            raise ConfigError("Discord refused discord.token (DISCORD_TOKEN): check the bot's token") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            why = str(exc) or f"no answer from {discord.http.Route.BASE} in {timeout_s} s"
            raise PlatformUnreachableError(f"Discord is unreachable: {why}") from exc

    async def start(self) -> None:
        """Log in (a wrong token fails here, at once), then serve commands and reactions over the gateway in the
        background until `stop`; digests go out over REST meanwhile."""
        for step in itertools.count():
            try:
                await self.login()
                break
            except PlatformUnreachableError as exc:
                delay = _reconnect_delay(step)
                log.warning("%s: retrying in %.0f s", exc, delay)
                await self._drop_session()
                await asyncio.sleep(delay)
        logging.getLogger("discord.shard").addFilter(OneLineOutage())  # where discord.py's gateway retries log
        self._gateway = asyncio.create_task(self._serve_gateway(), name="discord-gateway")
        self._gateway.add_done_callback(_gateway_ended)

    async def _drop_session(self) -> None:
        """discord.py opens a new HTTP session at every login and leaves a failed one open (aiohttp then logs
        "Unclosed client session" for each retry): close it, and its connector, so the next login makes both anew."""
        await self.client.http.close()
        self.client.http.connector = discord.utils.MISSING

    async def _serve_gateway(self) -> None:
        """discord.py reconnects a gateway it has reached by itself (its failures made one line each by
        OneLineOutage), but gives up at once when it cannot ask where the gateway is (GET /gateway/bot): that is
        retried here, with the same back-off as logging in."""
        for step in itertools.count():
            try:
                await self.client.connect()
                return
            except (discord.GatewayNotFound, aiohttp.ClientError, OSError) as exc:
                delay = _reconnect_delay(step)
                log.warning("%s: retrying in %.0f s", gateway_unreachable(exc), delay)
                await asyncio.sleep(delay)

    async def stop(self) -> None:
        """Close the gateway and the HTTP session; a no-op when the adapter never logged in."""
        if self._opened:
            await self.client.close()
        if self._gateway is not None:
            self._gateway.cancel()  # close() ends a connected gateway; this one ends a gateway still connecting
            await asyncio.gather(self._gateway, return_exceptions=True)
            self._gateway = None

    async def sync_commands(self, guild_id: int | None = None) -> list[str]:
        """Register `/papers` globally (can take up to an hour to appear) or in one server (immediately)."""
        guild = discord.Object(guild_id) if guild_id is not None else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        synced = await self.tree.sync(guild=guild)
        log.info("synced %d commands to %s", len(synced), f"guild {guild_id}" if guild_id else "all servers")
        return [command.name for command in synced]

    async def send_digest(self, message: DigestMessage, on_posted: Recorder | None = None) -> list[PostedMessage]:
        """Post a digest as one message per paper, paced by the shared global limiter, each recorded through
        `on_posted` before the next goes. THREAD layout: a parent listing the papers (unless it is out already), a
        thread started from it, and each paper posted into that thread."""
        ref = message.channel
        posted: list[PostedMessage] = []
        thread = message.thread_id
        if message.layout is DigestLayout.THREAD and thread is not None:  # resumed: its thread may not be started
            await self._threads.start(ref, thread, thread_name(message), posted)
        for rendered in render_digest(message):
            nonce = message_nonce(message.digest_id, rendered.paper_ids)
            target = ref if thread is None else replace(ref, channel_id=thread)
            sent = await self._post(
                target, rendered.content, list(rendered.embeds), posted=posted, nonce=nonce, view=rendered.view
            )
            posted.append(PostedMessage(str(sent.id), rendered.paper_ids))
            crash_point("discord-message-posted")
            if on_posted is not None:
                await on_posted(posted[-1])
            if message.layout is DigestLayout.THREAD and thread is None:
                thread = str(sent.id)  # a thread started from a message has the message's id
                await self._threads.start(ref, thread, thread_name(message), posted)
        return posted

    async def send_notice(self, ref: ChannelRef, text: str) -> None:
        """Post a one-line notice (a quiet day, a source outage); markdown and mentions are escaped."""
        await self._post(ref, safe_text(text, MAX_CONTENT), [], posted=[])

    async def find_posted(self, ref: ChannelRef, digest_id: str, after: str | None = None) -> list[PostedMessage]:
        """The bot's own recent messages in the channel that carry `digest_id` (only those after message `after`,
        when given), so a resumed digest never reposts; a retried post is kept single by its nonce besides."""
        me = self.client.user
        if me is None:
            raise TransientPostError("Discord is not logged in yet")
        channel = self.client.get_partial_messageable(int(ref.channel_id), guild_id=int(ref.workspace))
        await self._pace()
        with refusals(ref):
            since = discord.Object(int(after)) if after else None
            messages = [message async for message in channel.history(limit=HISTORY_LIMIT, after=since)]
        found = posted_in(messages, me.id, digest_id)
        for parent in [posted for posted in found if not posted.paper_ids]:  # a thread digest's papers
            replies = posted_in(await self._threads.history(ref, parent.message_id), me.id, digest_id)
            found += [posted for posted in replies if posted.paper_ids]
        return sorted(found, key=lambda posted: int(posted.message_id))

    async def _post(
        self,
        ref: ChannelRef,
        content: str | None,
        embeds: list[discord.Embed],
        *,
        posted: list[PostedMessage],
        nonce: str | None = None,
        view: discord.ui.View | None = None,
    ) -> discord.Message:
        """Send one paced message; Discord's refusals become the core's post errors (with what went out before)."""
        channel = self.client.get_partial_messageable(int(ref.channel_id), guild_id=int(ref.workspace))
        await self._pace()
        with refusals(ref, posted):
            sent = await channel.send(
                content=content,
                embeds=embeds,
                allowed_mentions=NO_MENTIONS,
                nonce=_given(nonce),
                view=_given(view),
            )
        return sent

    async def _pace(self) -> None:
        if self._limiter is not None:
            await self._limiter.acquire()

    async def on_message(self, message: discord.Message) -> None:
        if self.links is not None:
            await self.links.on_message(message)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._on_reaction(payload)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._on_reaction(payload)

    async def _on_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        if self.client.user is not None and payload.user_id == self.client.user.id:
            return
        reaction = reaction_from_event(payload)
        if reaction is None:
            return
        try:
            channel = await self._threads.parent_of(payload.channel_id)  # a thread digest's papers are its channel's
            carried = partial(self.carried_papers, payload.channel_id, payload.message_id)
            await self._reactions.handle(replace(reaction, channel_id=str(channel)), carried)
        except Exception:
            log.exception("reaction on message %s in %s failed", reaction.message_id, reaction.channel)

    async def carried_papers(self, channel_id: int, message_id: int) -> tuple[str, ...]:
        """The papers a digest message of this bot carries, by its footer marks: for a reaction on a message our
        store never recorded (its worker died in between). A message that cannot be read carries none."""
        if self.client.user is None:
            return ()
        await self._pace()
        try:
            message = await self.client.get_partial_messageable(channel_id).fetch_message(message_id)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.info("discord message %s in %s unreadable: %s", message_id, channel_id, type(exc).__name__)
            return ()
        return carried_by(message, self.client.user.id)

    async def on_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """A subcommand this bot does not know, or whose options differ (synced by another version, before `paperbot
        discord sync`), is answered in one ephemeral line, never left to "The application did not respond"."""
        stale = isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch)
        if stale:
            log.warning("stale /papers command in guild=%s: run `paperbot discord sync`", interaction.guild_id)
        else:
            log.error("command in guild=%s failed", interaction.guild_id, exc_info=error)
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            elif interaction.response.is_done():
                await interaction.followup.send(STALE if stale else SORRY, ephemeral=True)
            else:
                await interaction.response.send_message(STALE if stale else SORRY, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not answer a failed command in guild=%s", interaction.guild_id)

    async def answer(self, interaction: discord.Interaction, text: str) -> None:
        """Defer (only the caller sees the thinking state), run the command, then answer.

        Follow-ups of an ephemeral deferral stay ephemeral, so a reply meant for the whole channel (a settings
        change) is posted to the channel instead and the caller's thinking message is removed.
        """
        await interaction.response.defer(ephemeral=True, thinking=True)
        messages, ephemeral = await self._reply(interaction, text)
        if not ephemeral and interaction.channel_id is not None:
            channel = self.client.get_partial_messageable(interaction.channel_id)
            for rendered in messages:
                await channel.send(
                    rendered.content, embeds=list(rendered.embeds), files=rendered.files(), allowed_mentions=NO_MENTIONS
                )
            await interaction.delete_original_response()
            return
        for rendered in messages:
            await interaction.followup.send(
                content=_given(rendered.content),
                embeds=list(rendered.embeds),
                files=rendered.files(),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )

    async def _reply(self, interaction: discord.Interaction, text: str) -> tuple[list[RenderedMessage], bool]:
        command = command_from_interaction(interaction, text, self._settings.admin_role)
        if command is None:
            return render_reply(Reply("Use /papers in a server channel.")), True
        try:
            reply = await self._router.handle(command, send=self.send_digest)
        except PaperbotError as exc:
            return render_reply(Reply(str(exc))), True
        except Exception:
            log.exception("command %r in %s failed", text.partition(" ")[0], command.channel)
            return render_reply(Reply(SORRY)), True
        return render_reply(reply), reply.ephemeral

    async def paper_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Recent papers whose id starts with, or headline contains, what the user has typed."""
        typed = current.strip().casefold()
        papers = await self._library.list_papers(limit=AUTOCOMPLETE_SCAN)
        matches = [p for p in papers if p.id.casefold().startswith(typed) or typed in p.headline.casefold()]
        return [
            app_commands.Choice(name=_clip(f"{p.id} · {p.headline}", 100), value=p.id)
            for p in matches[:AUTOCOMPLETE_CHOICES]
            if len(p.id) <= 100
        ]

    async def zone_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """IANA time zones containing what the user has typed."""
        typed = current.strip().casefold()
        zones = [zone for zone in _ZONES if typed in zone.casefold()]
        return [app_commands.Choice(name=zone, value=zone) for zone in zones[:AUTOCOMPLETE_CHOICES]]

    def _token(self) -> str:
        if self._settings.token is None:
            raise ConfigError("discord.token is not set (set DISCORD_TOKEN)")
        return self._settings.token.get_secret_value()


def _build_group(adapter: DiscordAdapter) -> app_commands.Group:
    """The `/papers` group: one subcommand per catalog command, whose options become the router's text command."""
    group = app_commands.Group(name="papers", description="Research-paper digests and reading lists", guild_only=True)
    completers: dict[ArgKind, Completer] = {ArgKind.PAPER_ID: adapter.paper_choices, ArgKind.ZONE: adapter.zone_choices}
    for spec in CATALOG:
        group.add_command(_subcommand(spec, adapter.answer, completers))
    return group


def _subcommand(
    spec: Command, run: Callable[[discord.Interaction, str], Awaitable[None]], completers: dict[ArgKind, Completer]
) -> app_commands.Command:
    """A subcommand whose options are the catalog command's arguments, typed, described, with choices and completion.

    discord.py reads a command's options from its callback's signature, so the callback takes `**options` and carries
    a signature built from the arguments; describe/choices/autocomplete are discord.py's own decorators.
    """
    arguments = spec.arguments

    async def callback(interaction: discord.Interaction, **options: str | int | discord.Attachment | None) -> None:
        values = [
            await attached_text(value) if isinstance(value, discord.Attachment) else value for value in options.values()
        ]
        named = dict(zip(options, values, strict=True))
        await run(interaction, command_text(spec.name, *(named.get(argument.name) for argument in arguments)))

    first = inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)
    callback.__signature__ = inspect.Signature([first, *map(_option, arguments)])  # type: ignore[attr-defined]
    decorated = app_commands.describe(**{argument.name: argument.description for argument in arguments})(callback)
    if choices := {a.name: [app_commands.Choice(name=c, value=c) for c in a.choices] for a in arguments if a.choices}:
        decorated = app_commands.choices(**choices)(decorated)
    if completions := {a.name: completers[a.kind] for a in arguments if a.kind in completers}:
        decorated = app_commands.autocomplete(**completions)(decorated)
    return app_commands.Command(name=spec.name, description=spec.summary, callback=decorated)


def _option(argument: Argument) -> inspect.Parameter:
    """The callback parameter discord.py turns into the argument's option: an integer (within its bounds) or text."""
    annotation: Any = discord.Attachment if argument.kind is ArgKind.FILE else str
    if argument.kind is ArgKind.INT:
        annotation = app_commands.Range[int, argument.minimum, argument.maximum]
    return inspect.Parameter(
        argument.name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Optional[annotation] if argument.optional else annotation,  # noqa: UP045 - Range is no type
        default=None if argument.optional else inspect.Parameter.empty,
    )


def _gateway_ended(task: asyncio.Task[None]) -> None:
    """Say why the gateway stopped: without it no command or reaction arrives, though digests still go out."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("discord gateway stopped: commands and reactions no longer arrive", exc_info=error)


def _reconnect_delay(step: int) -> float:
    return min(RECONNECT_BASE_S * 2**step, RECONNECT_CAP_S)


def _given(value: _T | None) -> _T:
    """The value, or discord.py's "not given" (it sends nothing for the field) where there is none."""
    return discord.utils.MISSING if value is None else value


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
