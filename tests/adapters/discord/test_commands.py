"""`/papers` subcommands driven by real INTERACTION_CREATE payloads through discord.py's CommandTree.

The adapter is logged in to the fake API, so the deferral and the follow-ups travel over discord.py's own HTTP
client and the assertions read what Discord would have received.
"""

from __future__ import annotations

from typing import Any

import discord
import pytest

from adapters.discord.adapter import DiscordAdapter
from bot.models import ChannelRef
from testing.discord_api import FakeDiscord
from tests.adapters.discord.conftest import Core, paper
from tests.adapters.discord.payloads import CHANNEL, GUILD, SEND_MESSAGES, interaction_payload

EPHEMERAL = 1 << 6
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
