"""The Discord adapter: `/papers` slash commands, raw reaction saves, and paced digest fan-out over REST.

Least intents (guilds, guild reactions; no message content): commands arrive as interactions and reactions as raw
events, which work for messages the client never cached because the store maps message ids back to papers.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal
from zoneinfo import available_timezones

import discord
from discord import app_commands

from adapters.discord.outbox import HISTORY_LIMIT, message_nonce, posted_in, refusals
from adapters.discord.render import MAX_CONTENT, RenderedMessage, render_digest, render_reply, safe_text
from adapters.discord.translate import command_from_interaction, command_text, reaction_from_event
from bot.chat.reactions import ReactionHandler
from bot.chat.router import CommandRouter
from bot.config import DiscordSettings
from bot.errors import ConfigError, PaperbotError, TransientPostError
from bot.events import Reply
from bot.models import ChannelRef, DigestMessage, PostedMessage
from bot.ports.papers import Papers

log = logging.getLogger(__name__)

GLOBAL_RATE = 48.0  # requests/s: Discord allows 50 per bot; the margin absorbs clock and network jitter
NO_MENTIONS = discord.AllowedMentions.none()
AUTOCOMPLETE_CHOICES = 25  # Discord's maximum
AUTOCOMPLETE_SCAN = 500  # recent papers searched for an id prefix or headline match
_ZONES = tuple(sorted(available_timezones()))


class Pacer:
    """Space requests evenly across every task sharing it, so a fan-out never trips Discord's global limit.

    Slots are reserved before sleeping (no await in between), so concurrent callers get distinct slots in order.
    """

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


class DiscordAdapter:
    """Serves `/papers` in every server the bot is in and posts digests; one instance per process and token.

    When `settings.api_url` is set, discord.py's REST base URL (`discord.http.Route.BASE`, a class attribute) is
    pointed at it for the whole process; that is meant for tests and benchmarks against a local fake server.
    """

    platform = "discord"

    def __init__(
        self,
        settings: DiscordSettings,
        router: CommandRouter,
        reactions: ReactionHandler,
        library: Papers,
        *,
        global_rate: float = GLOBAL_RATE,
    ) -> None:
        self._settings = settings
        self._router = router
        self._reactions = reactions
        self._library = library
        self._pacer = Pacer(global_rate)
        if settings.api_url:
            discord.http.Route.BASE = settings.api_url.rstrip("/")
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_reactions = True
        # Discord requires shards past 2,500 guilds; without a configured count the client asks the gateway for the
        # recommended one at connect (a single shard for small bots), so growth never needs a config change.
        self.client: discord.Client = discord.AutoShardedClient(
            intents=intents, allowed_mentions=NO_MENTIONS, shard_count=settings.shard_count
        )
        self.tree = app_commands.CommandTree(self.client)
        self.tree.add_command(_build_group(self))
        self.client.event(self.on_raw_reaction_add)
        self.client.event(self.on_raw_reaction_remove)

    async def login(self) -> None:
        """Log in over REST only: enough to post digests and sync commands without a gateway connection."""
        await self.client.login(self._token())

    async def start(self) -> None:
        """Log in and serve commands and reactions over the gateway until `stop`."""
        await self.client.start(self._token())

    async def stop(self) -> None:
        await self.client.close()

    async def sync_commands(self, guild_id: int | None = None) -> list[str]:
        """Register `/papers` globally (can take up to an hour to appear) or in one server (immediately)."""
        guild = discord.Object(guild_id) if guild_id is not None else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        synced = await self.tree.sync(guild=guild)
        log.info("synced %d commands to %s", len(synced), f"guild {guild_id}" if guild_id else "all servers")
        return [command.name for command in synced]

    async def send_digest(self, message: DigestMessage) -> list[PostedMessage]:
        """Post a digest as one message per paper, paced by the shared global limiter."""
        ref = message.channel
        posted: list[PostedMessage] = []
        for rendered in render_digest(message):
            nonce = message_nonce(message.digest_id, rendered.paper_ids)
            sent = await self._post(ref, rendered.content, list(rendered.embeds), posted=posted, nonce=nonce)
            posted.append(PostedMessage(str(sent.id), rendered.paper_ids))
        return posted

    async def send_notice(self, ref: ChannelRef, text: str) -> None:
        """Post a one-line notice (a quiet day, a source outage); markdown and mentions are escaped."""
        await self._post(ref, safe_text(text, MAX_CONTENT), [], posted=[])

    async def find_posted(self, ref: ChannelRef, digest_id: str) -> list[PostedMessage]:
        """The bot's own recent messages in the channel that carry `digest_id`, so a resumed digest never reposts."""
        me = self.client.user
        if me is None:
            raise TransientPostError("Discord is not logged in yet")
        channel = self.client.get_partial_messageable(int(ref.channel_id), guild_id=int(ref.workspace))
        await self._pacer.wait()
        with refusals(ref):
            messages = [message async for message in channel.history(limit=HISTORY_LIMIT)]
        return posted_in(messages, me.id, digest_id)

    async def _post(
        self, ref: ChannelRef, content: str | None, embeds: list[discord.Embed], *, posted: list[PostedMessage],
        nonce: str | None = None,
    ) -> discord.Message:
        """Send one paced message; Discord's refusals become the core's post errors (with what went out before)."""
        channel = self.client.get_partial_messageable(int(ref.channel_id), guild_id=int(ref.workspace))
        await self._pacer.wait()
        with refusals(ref, posted):
            sent = await channel.send(content=content, embeds=embeds, allowed_mentions=NO_MENTIONS, nonce=nonce)
        return sent

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
            await self._reactions.handle(reaction)
        except Exception:
            log.exception("reaction on message %s in %s failed", reaction.message_id, reaction.channel)

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
                content=rendered.content, embeds=list(rendered.embeds), files=rendered.files(), ephemeral=True,
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
            return render_reply(Reply("Sorry, something went wrong.")), True
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
    """The `/papers` group; every subcommand becomes the router's text command."""
    group = app_commands.Group(name="papers", description="Research-paper digests and reading lists", guild_only=True)
    run = adapter.answer

    @group.command(description="Search papers by words")
    async def search(interaction: discord.Interaction, query: str) -> None:
        await run(interaction, command_text("search", query))

    @group.command(description="Show one paper")
    @app_commands.autocomplete(paper_id=adapter.paper_choices)
    async def show(interaction: discord.Interaction, paper_id: str) -> None:
        await run(interaction, command_text("show", paper_id))

    @group.command(description="Your reading list")
    @app_commands.describe(options="a page number, or: export bibtex | export markdown")
    async def saved(interaction: discord.Interaction, options: str | None = None) -> None:
        await run(interaction, command_text("saved", options))

    @group.command(description="Add a paper to your reading list")
    @app_commands.autocomplete(paper_id=adapter.paper_choices)
    async def save(interaction: discord.Interaction, paper_id: str) -> None:
        await run(interaction, command_text("save", paper_id))

    @group.command(description="Remove a paper from your reading list")
    @app_commands.autocomplete(paper_id=adapter.paper_choices)
    async def unsave(interaction: discord.Interaction, paper_id: str) -> None:
        await run(interaction, command_text("unsave", paper_id))

    @group.command(description="Follow a topic in this channel")
    async def subscribe(interaction: discord.Interaction, topic: str) -> None:
        await run(interaction, command_text("subscribe", topic))

    @group.command(description="Stop following a topic in this channel")
    async def unsubscribe(interaction: discord.Interaction, topic: str) -> None:
        await run(interaction, command_text("unsubscribe", topic))

    @group.command(description="This channel's topics and schedule")
    async def topics(interaction: discord.Interaction) -> None:
        await run(interaction, "topics")

    @group.command(description="When this channel gets its digest")
    @app_commands.describe(time="24-hour HH:MM", timezone="IANA time zone", count="papers per digest")
    @app_commands.autocomplete(timezone=adapter.zone_choices)
    async def schedule(
        interaction: discord.Interaction, time: str, timezone: str | None = None, count: int | None = None
    ) -> None:
        await run(interaction, command_text("schedule", time, timezone, count))

    @group.command(description="What this channel gets on a day with no new papers")
    @app_commands.describe(mode="notice: a one-line notice; silent: nothing")
    async def quiet(interaction: discord.Interaction, mode: Literal["notice", "silent"]) -> None:
        await run(interaction, command_text("quiet", mode))

    @group.command(description="Pause this channel's digests")
    async def pause(interaction: discord.Interaction) -> None:
        await run(interaction, "pause")

    @group.command(description="Resume this channel's digests")
    async def resume(interaction: discord.Interaction) -> None:
        await run(interaction, "resume")

    @group.command(description="Post a digest here now")
    async def digest(interaction: discord.Interaction) -> None:
        await run(interaction, "digest")

    @group.command(name="help", description="What /papers can do")
    async def help_(interaction: discord.Interaction) -> None:
        await run(interaction, "help")

    return group


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
