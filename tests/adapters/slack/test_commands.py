"""Every `/papers` subcommand end to end: signed HTTP request -> bolt -> router -> real store -> response_url."""

from __future__ import annotations

import logging
from typing import Any

import bibtexparser
import pytest

from adapters.slack.adapter import SORRY
from adapters.slack.render import escape
from bot.models import Channel, ChannelRef, Summary
from tests.adapters.slack.conftest import World, paper

REF = ChannelRef("slack", "T1", "C1")
PAPERS = [paper(1), paper(2, headline="Graph networks & <!channel> tricks"), paper(3)]


@pytest.fixture
async def seeded(world: World) -> World:
    await world.store.papers.add_papers(PAPERS)
    await world.store.channels.upsert_channel(Channel(REF))  # as the first command would, so snapshots compare settings
    await world.store.summaries.add_summaries([Summary(PAPERS[0].id, "first-words", "1", "Attention is all you need.")])
    return world


async def snapshot(world: World) -> Any:
    users = ("U1", "U2")
    saves = {
        user: [s.paper_id for s, _ in await world.store.reading_lists.saved_papers("slack", "T1", user)]
        for user in users
    }
    return await world.store.channels.list_channels(), saves, await world.store.outbox.planned_digests(REF)


def sections(answer: dict[str, Any]) -> list[str]:
    return [block["text"]["text"] for block in answer["blocks"] if block["type"] == "section"]


async def test_help(seeded: World) -> None:
    answer = await seeded.command("help")
    assert answer["text"].startswith("Commands: search") and answer["response_type"] == "ephemeral"
    assert (await seeded.command(""))["text"] == answer["text"]


async def test_search_lists_matching_papers(seeded: World) -> None:
    answer = await seeded.command("search graph networks")
    assert answer["text"].startswith("Top 1 for")
    assert "Graph networks &amp; &lt;!channel&gt; tricks" in sections(answer)[1]


async def test_show_renders_the_paper(seeded: World) -> None:
    answer = await seeded.command(f"show {PAPERS[0].id}")
    assert answer["response_type"] == "ephemeral"
    assert sections(answer)[1] == f"*<{PAPERS[0].url}|{PAPERS[0].headline}>*\nAttention is all you need."


async def test_an_export_arrives_as_a_file_in_a_direct_message_to_its_owner(seeded: World) -> None:
    await seeded.command(f"save {PAPERS[1].id}")
    answer = await seeded.command("saved export bibtex")

    assert answer["response_type"] == "ephemeral" and answer["text"].endswith("I sent it to you in a direct message.")
    assert "```" not in str(answer["blocks"]), "the file is not pasted inline as well"
    [shared] = seeded.fake.files
    assert (shared.channel, shared.filename) == ("DU1", "reading-list.bib"), "a direct message to U1"
    assert "<#C1>" in (shared.initial_comment or "")
    entries = bibtexparser.parse_string(shared.content.decode()).entries
    assert [entry["title"] for entry in entries] == ["Graph networks \\& <!channel> tricks"]  # BibTeX escapes &


async def test_without_the_file_scopes_an_export_is_shown_inline(seeded: World, caplog) -> None:
    seeded.fake.scopes.remove("files:write")
    await seeded.command(f"save {PAPERS[1].id}")
    with caplog.at_level(logging.WARNING):
        answer = await seeded.command("saved export markdown")

    assert seeded.fake.files == [] and answer["text"].startswith("Your reading list (1 papers) as reading-list.md")
    assert "```" in sections(answer)[-1] and "Graph networks" in sections(answer)[-1]
    assert "missing_scope" in caplog.text


async def test_save_saved_unsave(seeded: World) -> None:
    assert (await seeded.command(f"save {PAPERS[1].id}"))["text"].startswith("Saved “Graph networks &amp;")
    assert (await seeded.command(f"save {PAPERS[1].id}"))["text"].endswith("is already on your list.")
    listed = await seeded.command("saved")
    assert listed["text"] == "Your reading list (1):" and PAPERS[1].id in listed["blocks"][2]["elements"][0]["text"]
    assert (await seeded.command("saved", user="U2"))["text"].startswith("Your reading list is empty")
    assert (await seeded.command(f"unsave {PAPERS[1].id}"))["text"] == f"Removed {PAPERS[1].id} from your list."
    assert (await seeded.command("saved"))["text"].startswith("Your reading list is empty")


async def test_subscribe_topics_unsubscribe(seeded: World) -> None:
    answer = await seeded.command("subscribe graph networks")
    assert answer["response_type"] == "in_channel" and "now follows 'graph networks'" in answer["text"]
    assert (await seeded.store.channels.get_channel(REF)).topics == ("graph networks",)  # type: ignore[union-attr]
    assert (await seeded.command("topics"))["text"].startswith("Topics: graph networks.")
    assert (await seeded.command("unsubscribe graph networks"))["response_type"] == "in_channel"
    assert (await seeded.store.channels.get_channel(REF)).topics == ()  # type: ignore[union-attr]


async def test_schedule_pause_resume(seeded: World) -> None:
    answer = await seeded.command("schedule 07:30 Europe/Berlin 3")
    assert answer["response_type"] == "in_channel"
    assert answer["text"] == "Digest of 3 papers daily at 07:30 Europe/Berlin."
    channel = await seeded.store.channels.get_channel(REF)
    assert channel is not None
    assert (channel.cron, channel.timezone, channel.digest_size) == ("30 7 * * *", "Europe/Berlin", 3)
    assert (await seeded.command("pause"))["response_type"] == "in_channel"
    assert (await seeded.store.channels.get_channel(REF)).paused  # type: ignore[union-attr]
    assert (await seeded.command("resume"))["text"] == "Digests resumed: daily at 07:30 Europe/Berlin."
    assert not (await seeded.store.channels.get_channel(REF)).paused  # type: ignore[union-attr]


async def test_digest_posts_one_message_per_paper(seeded: World) -> None:
    answer = await seeded.command("digest")
    assert answer["text"] == "Posted a digest of 3 papers."
    posts = seeded.fake.posts("C1")
    assert len(posts) == 3 and all(call.body["unfurl_links"] is False for call in posts)
    assert (await seeded.command("digest"))["text"] == "No new papers for this channel right now."
    assert await seeded.store.outbox.planned_digests(REF) == {}


async def test_digest_in_a_channel_the_bot_is_not_in_returns_papers_to_the_pool(seeded: World) -> None:
    seeded.fake.outside_channels.add("C1")
    answer = await seeded.command("digest")
    assert answer["text"].startswith("I can't post in this channel; invite me")
    assert [len(ids) for ids in (await seeded.store.outbox.planned_digests(REF)).values()] == [3], (
        "kept for the next post"
    )
    seeded.fake.outside_channels.clear()
    assert (await seeded.command("digest"))["text"] == "Posted a digest of 3 papers."


@pytest.mark.parametrize(
    ("user", "text", "expected"),
    [
        ("U1", "frobnicate now", "Unknown command 'frobnicate'"),
        ("U1", "show", "Usage: show <paper-id>"),
        ("U1", "search", "Usage: search <words>"),
        ("U1", "search the of", "Search for at least one meaningful word"),
        ("U1", "save", "Usage: save <paper-id>"),
        ("U1", "save arxiv:nope", "No paper has id 'arxiv:nope'"),
        ("U1", "unsave", "Usage: unsave <paper-id>"),
        ("U1", "subscribe", "Usage: subscribe <topic>"),
        ("U1", "unsubscribe physics", "This channel does not follow 'physics'"),
        ("U1", "x" * 10_000, "That command is too long (10,000 characters"),
        ("U1", "schedule 25:00", "'25:00' is not a time"),
        ("U1", "schedule 09:00 Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not a time zone"),
        ("U1", "schedule 09:00 UTC 99", "A digest holds 1 to 20 papers."),
        ("U2", "subscribe graphs", "Sorry, only channel managers"),
        ("U2", "schedule 09:00", "Sorry, only channel managers"),
        ("U2", "pause", "Sorry, only channel managers"),
        ("U2", "digest", "Sorry, only channel managers"),
    ],
)
async def test_bad_input_gets_an_ephemeral_line_and_changes_nothing(
    seeded: World, user: str, text: str, expected: str
) -> None:
    before = await snapshot(seeded)
    answer = await seeded.command(text, user=user)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(escape(expected)), answer["text"]
    assert "\n" not in answer["text"] and len(answer["blocks"]) == 1
    assert await snapshot(seeded) == before
    assert seeded.fake.posts() == []


async def test_unexpected_failure_is_a_polite_line_and_logged(
    seeded: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(seeded.store.channels, "get_channel", broken)
    with caplog.at_level(logging.ERROR, logger="adapters.slack.adapter"):
        answer = await seeded.command("topics")
    assert answer["text"] == SORRY and answer["response_type"] == "ephemeral"
    assert "database on fire" in caplog.text
