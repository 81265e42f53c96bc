"""`/papers` subcommands driven by real INTERACTION_CREATE payloads through discord.py's CommandTree.

The adapter is logged in to the fake API, so the deferral and the follow-ups travel over discord.py's own HTTP
client and the assertions read what Discord would have received.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import discord
import pytest

from adapters.discord.adapter import DiscordAdapter
from app.parts import command_router, semantic_index
from bot.chat.catalog import CATALOG
from bot.chat.spec import ArgKind
from bot.config import DiscordSettings
from bot.models import Channel, ChannelRef
from bot.summarize.embedding import SentenceEncoder
from testing.discord_api import FakeDiscord
from tests.adapters.discord.conftest import TOKEN, Core, paper
from tests.adapters.discord.payloads import CHANNEL, GUILD, SEND_MESSAGES, interaction_payload

EPHEMERAL = 1 << 6
SUBCOMMAND, STRING, INTEGER, ATTACHMENT = 1, 3, 4, 11  # Discord's application command option types
# Discord's limits on application commands (developer docs, "Application Commands"), not the adapter's.
DISCORD_NAME = re.compile(r"[-_\w]{1,32}")
DISCORD_MAX_DESCRIPTION = 100
DISCORD_MAX_OPTIONS = 25  # options of a command, subcommands of a group, choices of an option
REF = ChannelRef("discord", str(GUILD), str(CHANNEL))


async def invoke(adapter: DiscordAdapter, subcommand: str, options: dict[str, Any] | None = None, **kw: Any) -> None:
    """Dispatch like discord.py's INTERACTION_CREATE parser does, but awaited (the parser schedules a task)."""
    payload = interaction_payload(subcommand, options, **kw)
    await adapter.tree._call(discord.Interaction(data=payload, state=adapter.client._connection))


def replies(fake: tuple[FakeDiscord, str]) -> list[str]:
    return [body.get("content") or "" for body in fake[0].followups]


async def test_every_command_defers_ephemerally_then_follows_up(adapter: DiscordAdapter, fake) -> None:
    await invoke(adapter, "help")
    assert fake[0].callbacks == [{"type": 5, "data": {"flags": EPHEMERAL}}]
    [body] = fake[0].followups
    assert body["content"].startswith("Commands: search")
    assert body["flags"] & EPHEMERAL and body["allowed_mentions"] == {"parse": []}


async def test_show_unknown_paper_is_a_polite_line(adapter: DiscordAdapter, fake) -> None:
    await invoke(adapter, "show", {"paper_id": "nope"})
    assert replies(fake) == ["No paper has id 'nope'."]


async def test_show_and_save_then_saved(adapter: DiscordAdapter, core: Core, fake) -> None:
    await core.store.papers.add_papers([paper(1)])
    await invoke(adapter, "show", {"paper_id": "p001"})
    await invoke(adapter, "save", {"paper_id": "p001"})
    await invoke(adapter, "saved")
    show, save, saved = fake[0].followups
    assert show["embeds"][0]["footer"]["text"] == "arxiv · p001"
    assert save["content"].startswith("Saved")
    assert saved["content"] == "Your reading list (1):" and len(saved["embeds"]) == 1
    [(save_row, _)] = await core.store.reading_lists.saved_papers("discord", str(GUILD), "500000000000000001")
    assert save_row.paper_id == "p001"


async def test_subscribe_and_schedule_change_the_stored_channel(adapter: DiscordAdapter, core: Core, fake) -> None:
    await invoke(adapter, "subscribe", {"topic": "graph neural networks"})
    await invoke(adapter, "schedule", {"time": "07:30", "timezone": "Europe/Berlin", "count": 3})
    channel = await core.store.channels.get_channel(REF)
    assert channel is not None and channel.topics == ("graph neural networks",)
    assert (channel.cron, channel.timezone, channel.digest_size) == ("30 7 * * *", "Europe/Berlin", 3)
    public = [(channel_id, body.get("content")) for channel_id, body in fake[0].messages]
    assert public[1] == (REF.channel_id, "Digest of 3 papers daily at 07:30 Europe/Berlin.")
    assert all(body["allowed_mentions"] == {"parse": []} for _, body in fake[0].messages)
    assert replies(fake) == [] and fake[0].deleted_originals == 2, "settings changes are announced to the channel"


async def test_quiet_chooses_a_notice_or_silence_for_days_without_papers(adapter: DiscordAdapter, core: Core) -> None:
    await invoke(adapter, "quiet", {"mode": "notice"})
    channel = await core.store.channels.get_channel(REF)
    assert channel is not None and channel.empty_notice
    await invoke(adapter, "quiet", {"mode": "silent"})
    channel = await core.store.channels.get_channel(REF)
    assert channel is not None and not channel.empty_notice


async def test_bad_time_zone_and_huge_query_are_refused(adapter: DiscordAdapter, core: Core, fake) -> None:
    await invoke(adapter, "schedule", {"time": "07:30", "timezone": "Mars/Olympus"})
    await invoke(adapter, "search", {"query": "x" * 10_000})
    zone, query = replies(fake)
    assert "'Mars/Olympus' is not a time zone" in zone
    assert query.startswith("That command is too long")
    assert all(body["flags"] & EPHEMERAL for body in fake[0].followups)
    channel = await core.store.channels.get_channel(REF)
    assert channel is not None and channel.timezone == "UTC"


async def test_managing_needs_manage_channels_or_the_admin_role(adapter: DiscordAdapter, core: Core, fake) -> None:
    await invoke(adapter, "pause", permissions=SEND_MESSAGES)
    assert replies(fake) == ["Sorry, only channel managers can change this channel's digest settings."]
    assert await core.store.channels.get_channel(REF) is None
    await invoke(adapter, "topics", permissions=SEND_MESSAGES)  # reading settings needs no permission
    assert replies(fake)[1].startswith("Topics: everything")


async def test_direct_messages_are_turned_away(adapter: DiscordAdapter, fake) -> None:
    await invoke(adapter, "help", guild_id=None)
    assert replies(fake) == ["Use /papers in a server channel."]


async def test_unexpected_errors_become_a_generic_line_and_a_log(
    adapter: DiscordAdapter, core: Core, fake, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any) -> list:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(core.store.reading_lists, "saved_papers", broken)
    await invoke(adapter, "saved")
    assert replies(fake) == ["Sorry, something went wrong."]
    assert "database on fire" in caplog.text


async def test_digest_command_posts_one_message_per_paper(adapter: DiscordAdapter, core: Core, fake) -> None:
    await core.store.papers.add_papers([paper(1), paper(2)])
    await invoke(adapter, "digest")
    assert replies(fake) == ["Posted a digest of 2 papers."]
    assert [channel for channel, _ in fake[0].messages] == [str(CHANNEL)] * 2
    assert fake[0].messages[0][1]["content"] == "Papers"


async def test_paper_id_autocomplete_matches_prefix_and_headline(adapter: DiscordAdapter, core: Core, fake) -> None:
    await core.store.papers.add_papers([paper(1), paper(2, headline="Diffusion models"), paper(13)])
    await invoke(adapter, "show", {"paper_id": "p01"}, focused="paper_id")
    await invoke(adapter, "show", {"paper_id": "diffus"}, focused="paper_id")
    prefix, headline = (callback["data"]["choices"] for callback in fake[0].callbacks)
    assert [choice["value"] for choice in prefix] == ["p013"]
    assert [choice["value"] for choice in headline] == ["p002"]


async def test_time_zone_autocomplete(adapter: DiscordAdapter, fake) -> None:
    await invoke(adapter, "schedule", {"time": "09:00", "timezone": "berl"}, focused="timezone")
    [callback] = fake[0].callbacks
    assert callback["type"] == 8
    assert [choice["value"] for choice in callback["data"]["choices"]] == ["Europe/Berlin"]


async def test_echoed_topics_and_queries_render_no_masked_link_or_markup(adapter: DiscordAdapter, fake) -> None:
    from tests.adapters.discord.test_render import assert_inert

    hostile = "[click here](https://evil.example) **now** ||x|| `y`"
    await invoke(adapter, "subscribe", {"topic": hostile})
    await invoke(adapter, "search", {"query": "[free](https://evil.example/x) gpus"})
    [(_, announced)] = fake[0].messages  # a settings change: posted to the whole channel
    assert announced["content"].startswith("This channel now follows")
    for content in (announced["content"], *replies(fake)):
        assert "click here" in content or "free" in content
        assert_inert(content)


async def test_similar_is_on_discord_with_paper_id_completion(adapter: DiscordAdapter, core: Core, fake) -> None:
    await core.store.papers.add_papers([paper(1), paper(2, headline="Diffusion models")])
    await invoke(adapter, "similar", {"paper_id": "diffus"}, focused="paper_id")
    [completion] = fake[0].callbacks
    assert [choice["value"] for choice in completion["data"]["choices"]] == ["p002"]
    await invoke(adapter, "similar", {"paper_id": "p002"})
    assert replies(fake) == ["Similar papers need the embedding model, which this bot runs without."]


@pytest.mark.slow
async def test_similar_posts_the_papers_nearest_in_meaning(core: Core, fake) -> None:
    papers = [
        paper(1, "Adversarial examples", "Tiny adversarial perturbations of images fool deep image classifiers."),
        paper(2, "Robust classifiers", "Adversarial training makes image classifiers robust to perturbed inputs."),
        paper(3, "Protein folding", "Predicting the three-dimensional structure of proteins from amino acids."),
    ]
    await core.store.papers.add_papers(papers)
    semantic = semantic_index(core.store, SentenceEncoder())
    await semantic.embed_papers(papers)

    async def load(ref: ChannelRef) -> Channel:
        return await core.store.channels.get_channel(ref) or await core.store.channels.upsert_channel(Channel(ref))

    router = command_router(core.store, core.digests, load, semantic=semantic)
    settings = DiscordSettings(token=TOKEN, api_url=fake[1])
    adapter = DiscordAdapter(settings, router, core.reactions, core.store.papers)
    await adapter.login()
    try:
        await invoke(adapter, "similar", {"paper_id": "p001"})
    finally:
        await adapter.stop()
    [answer] = fake[0].followups
    assert answer["content"] == "Papers like “Adversarial examples”:"
    assert [embed["footer"]["text"] for embed in answer["embeds"]] == ["arxiv · p002", "arxiv · p003"]


async def test_help_explains_the_command_picked_from_its_choices(adapter: DiscordAdapter, fake) -> None:
    await invoke(adapter, "help", {"command": "quiet"})
    [answer] = replies(fake)
    assert answer.splitlines()[:2] == [
        "`quiet notice|silent`",
        "What this channel gets on a day with no new papers. Channel managers only.",
    ]


async def test_synced_commands_are_the_catalogs_within_discords_limits(adapter: DiscordAdapter, fake) -> None:
    await adapter.sync_commands(GUILD)
    [papers] = fake[0].commands
    subcommands = {option["name"]: option for option in papers["options"]}
    assert list(subcommands) == list(CATALOG.names)
    assert len(subcommands) <= DISCORD_MAX_OPTIONS
    for command in CATALOG:
        synced = subcommands[command.name]
        assert synced["type"] == SUBCOMMAND and synced["description"] == command.summary
        options = {option["name"]: option for option in synced["options"]}
        assert set(options) == {argument.name for argument in command.arguments}
        for argument in command.arguments:
            option = options[argument.name]
            assert option["required"] is not argument.optional and option["description"] == argument.description
            assert option["type"] == {ArgKind.INT: INTEGER, ArgKind.FILE: ATTACHMENT}.get(argument.kind, STRING)
            assert [choice["value"] for choice in option.get("choices", [])] == list(argument.choices)
            assert option.get("autocomplete", False) is (argument.kind in (ArgKind.PAPER_ID, ArgKind.ZONE))
            assert (option.get("min_value"), option.get("max_value")) == (argument.minimum, argument.maximum)
    for option in [papers, *subcommands.values(), *(o for s in subcommands.values() for o in s["options"])]:
        assert DISCORD_NAME.fullmatch(option["name"]), option["name"]
        assert 1 <= len(option["description"]) <= DISCORD_MAX_DESCRIPTION, option["description"]
        assert len(option.get("choices", [])) <= DISCORD_MAX_OPTIONS


@pytest.mark.parametrize("subcommand", ["summon", None])  # one a newer version synced; /papers as a plain command
async def test_a_stale_command_gets_an_ephemeral_sync_hint(adapter: DiscordAdapter, fake, subcommand) -> None:
    payload = interaction_payload(subcommand or "help")
    if subcommand is None:  # a signature mismatch: what Discord has is no longer a group of subcommands here
        payload["data"]["options"] = []
    adapter.tree._from_interaction(discord.Interaction(data=payload, state=adapter.client._connection))  # as parsed
    deadline = asyncio.get_running_loop().time() + 5
    while not fake[0].callbacks:
        assert asyncio.get_running_loop().time() < deadline, "the interaction was never answered"
        await asyncio.sleep(0.01)
    [callback] = fake[0].callbacks
    assert callback["type"] == 4 and callback["data"]["flags"] & EPHEMERAL
    assert callback["data"]["content"] == "This command is out of date; an admin should run `paperbot discord sync`."
