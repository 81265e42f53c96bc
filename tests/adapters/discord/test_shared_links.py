"""Paper links in Discord messages (MESSAGE_CREATE as the gateway sends it): answered with a reply that pings no one,
carrying the paper's embed and Save button; bots, webhooks and the bot's own messages are never answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from adapters.discord.adapter import DiscordAdapter
from app.parts import chat_services, command_router, digest_service
from bot.chat.shared import SharedPapers
from bot.config import DiscordSettings
from bot.delivery.pacing import RetryPolicy
from bot.models import Channel, ChannelRef
from bot.sources.http import HttpFetcher
from bot.sources.lookup import ArxivLookup
from testing.discord_api import BOT_ID, FakeDiscord, message_payload, snowflake, user_payload
from testing.feed_server import Document, FeedServer
from tests.adapters.discord.conftest import TOKEN, Core, FirstWords
from tests.adapters.discord.payloads import CHANNEL, GUILD, USER, interaction_payload

HERE = ChannelRef("discord", str(GUILD), str(CHANNEL))


def loader(core: Core):  # noqa: ANN201 - the channel loader the app wires
    async def load(ref: ChannelRef) -> Channel:
        return await core.store.channels.get_channel(ref) or await core.store.channels.upsert_channel(Channel(ref))

    return load


@pytest.fixture
async def shared(core: Core, feed_server: FeedServer) -> AsyncIterator[SharedPapers]:
    feed_server.serve_fixture("/api/query?id_list=2401.00001&max_results=1", "arxiv_api_page1.xml")
    http = HttpFetcher(user_agent="paperbot-tests", timeout_s=5, retry=RetryPolicy(attempts=1), min_interval_s={})
    store = core.store
    services = chat_services(store, digest_service(store, FirstWords(), header="Papers"), loader(core))
    lookup = ArxivLookup(http, base=f"{feed_server.url}/api/query", configured=True).lookup
    yield SharedPapers(services, store.papers, store.outbox, store.votes, store.answered, FirstWords(), lookup)
    await http.close()


@pytest.fixture
async def linking(core: Core, fake: tuple[FakeDiscord, str], shared: SharedPapers) -> AsyncIterator[DiscordAdapter]:
    settings = DiscordSettings(token=TOKEN, api_url=fake[1])
    adapter = DiscordAdapter(settings, core.router, core.reactions, core.store.papers, shared=shared)
    await adapter.login()
    yield adapter
    await adapter.stop()


def message_create(adapter: DiscordAdapter, content: str, *, author: int = USER, bot: bool = False, **extra: Any):  # noqa: ANN201
    """A MESSAGE_CREATE dispatch in the guild channel, parsed as discord.py's gateway parser builds it."""
    data = message_payload(str(CHANNEL), {"content": content}, author_id=author)
    data |= {"guild_id": str(GUILD), "author": user_payload(author, "reader", bot=bot)} | extra
    channel = adapter.client.get_partial_messageable(CHANNEL, guild_id=GUILD)
    return discord.Message(state=adapter.client._connection, channel=channel, data=data)  # type: ignore[arg-type]


async def test_a_link_gets_a_reply_that_pings_no_one_and_becomes_the_channels(
    linking: DiscordAdapter, fake: tuple[FakeDiscord, str], core: Core
) -> None:
    message = message_create(linking, "look: https://arxiv.org/abs/2401.00001v2")
    await linking.on_message(message)

    ((channel, body),) = fake[0].messages
    assert channel == str(CHANNEL)
    assert int(body["message_reference"]["message_id"]) == message.id
    assert body["allowed_mentions"]["replied_user"] is False and body["allowed_mentions"]["parse"] == []
    assert body["embeds"][0]["title"] == "Sparse Mixtures of Tiny Experts for On-Device Translation"
    assert "pb:save:2401.00001" in str(body["components"])
    assert "2401.00001" in await core.store.outbox.delivered_papers(HERE)
    assert await core.store.votes.channel_votes(HERE) == {"2401.00001": 1}


async def test_bots_webhooks_and_the_bot_itself_are_never_answered(
    linking: DiscordAdapter, fake: tuple[FakeDiscord, str]
) -> None:
    link = "https://arxiv.org/abs/2401.00001"
    await linking.on_message(message_create(linking, link, author=BOT_ID, bot=True))
    await linking.on_message(message_create(linking, link, author=700000000000000009, bot=True))
    await linking.on_message(message_create(linking, link, webhook_id="800000000000000001"))
    await linking.on_message(message_create(linking, "no link here"))
    assert fake[0].messages == []


def test_message_content_is_asked_for_only_when_configured(core: Core) -> None:
    shared = object()
    plain = DiscordAdapter(DiscordSettings(token=TOKEN), core.router, core.reactions, core.store.papers, shared=shared)  # type: ignore[arg-type]
    full = DiscordAdapter(
        DiscordSettings(token=TOKEN, message_content=True),
        core.router,
        core.reactions,
        core.store.papers,
        shared=shared,  # type: ignore[arg-type]
    )
    none = DiscordAdapter(DiscordSettings(token=TOKEN), core.router, core.reactions, core.store.papers)
    assert plain.client.intents.guild_messages and not plain.client.intents.message_content
    assert full.client.intents.message_content
    assert not none.client.intents.guild_messages


async def test_seed_reads_an_attached_bibtex_file(
    core: Core, fake: tuple[FakeDiscord, str], feed_server: FeedServer, shared: SharedPapers
) -> None:
    bibtex = b"@article{moe, title={Sparse Mixtures}, eprint={2401.00001}}\n@book{b, year={1968}}"
    feed_server.documents["/files/refs.bib"] = Document(bibtex, content_type="text/x-bibtex")
    attachment_id = snowflake()
    payload = interaction_payload("seed", {"bibtex": attachment_id})
    payload["data"]["options"][0]["options"][0]["type"] = 11  # ATTACHMENT
    payload["data"]["resolved"] = {
        "attachments": {
            attachment_id: {
                "id": attachment_id,
                "filename": "refs.bib",
                "size": len(bibtex),
                "url": f"{feed_server.url}/files/refs.bib",
                "proxy_url": f"{feed_server.url}/files/refs.bib",
                "content_type": "text/x-bibtex",
            }
        }
    }
    seeding = DiscordAdapter(
        DiscordSettings(token=TOKEN, api_url=fake[1]),
        command_router(core.store, core.digests, loader(core), seeds=shared.seed),
        core.reactions,
        core.store.papers,
    )
    await seeding.login()
    try:
        await seeding.tree._call(discord.Interaction(data=payload, state=seeding.client._connection))
    finally:
        await seeding.stop()

    posted = [body.get("content") or "" for _, body in fake[0].messages]
    assert any(text.startswith("This channel's digests now lean towards 1 paper: Sparse Mixtures") for text in posted)
    assert await core.store.votes.channel_votes(HERE) == {"2401.00001": 1}
