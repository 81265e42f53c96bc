"""Reading lists: newest first in pages, exported as BibTeX and Markdown, and private to each user."""

from __future__ import annotations

from datetime import timedelta

import bibtexparser
import pytest

from app.parts import command_router, digest_service
from bot.chat.router import CommandRouter
from bot.errors import UsageError
from bot.events import IncomingCommand
from bot.models import Channel, ChannelRef, Paper, Save, Summary
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer
from tests.storage.conftest import T0, paper

TRICKY = Paper(
    id="p999",
    source="test",
    source_id="999",
    headline='50% of {braces} & "quotes" in C_{n} #1 ~ $x$ \\ `md` *bold*',
    text="Body.",
    fingerprint="fp999",
    authors=("Ada Lovelace", "Émile Borel"),
    url="https://example.org/a?b=1&c=2",
)


@pytest.fixture
async def router(store: SqlStore) -> CommandRouter:
    await store.papers.add_papers([paper(n, f"Paper title {n}") for n in range(1, 13)] + [TRICKY])
    await store.summaries.add_summaries([Summary("p001", "s", "1", "A short TL;DR with {braces} & 100%.")])
    for n in range(1, 13):
        await store.reading_lists.save_paper(Save("slack", "w1", "u1", f"p{n:03d}", T0 + timedelta(hours=n)))
    await store.reading_lists.save_paper(Save("slack", "w1", "u1", TRICKY.id, T0))

    async def load(ref: ChannelRef) -> Channel:
        return Channel(ref)

    return command_router(store, digest_service(store, FirstWordsSummarizer(), header="Papers"), load)


def cmd(text: str, user: str = "u1", workspace: str = "w1") -> IncomingCommand:
    return IncomingCommand("slack", workspace, "c1", user, text)


async def test_saved_is_paginated_newest_first(router: CommandRouter) -> None:
    first = await router.handle(cmd("saved"))
    assert "page 1/3" in first.text and "(13)" in first.text and "saved 2" in first.text
    assert [i.paper_id for i in first.items] == ["p012", "p011", "p010", "p009", "p008"]
    last = await router.handle(cmd("saved 3"))
    assert "page 3/3" in last.text and [i.paper_id for i in last.items] == ["p002", "p001", "p999"]
    for bad in ("saved 4", "saved 0", "saved everything", "saved export pdf"):
        with pytest.raises(UsageError):
            await router.handle(cmd(bad))


async def test_bibtex_export_parses_back_with_every_entry(router: CommandRouter) -> None:
    reply = await router.handle(cmd("saved export bibtex"))
    assert reply.attachment is not None and reply.attachment[0].endswith(".bib")
    library = bibtexparser.parse_string(reply.attachment[1].decode())
    assert library.failed_blocks == []
    assert len(library.entries) == 13 and len({e.key for e in library.entries}) == 13
    tricky = next(e for e in library.entries if e.key.endswith("p999"))
    assert tricky["author"] == "Lovelace, Ada and Borel, Émile"
    assert "braces" in tricky["title"] and "quotes" in tricky["title"]
    assert tricky["url"].startswith("https://example.org/a?b=1")
    first = next(e for e in library.entries if e["title"] == "Paper title 1")
    assert "TL;DR" in first["note"]


async def test_markdown_export_lists_each_title(router: CommandRouter, store: SqlStore) -> None:
    reply = await router.handle(cmd("saved export markdown"))
    assert reply.attachment is not None and reply.attachment[0].endswith(".md")
    content = reply.attachment[1].decode()
    for n in range(1, 13):
        assert f"**Paper title {n}**" in content
    assert "Lovelace" in content and "p999" in content


async def test_lists_are_private_to_each_user_and_workspace(router: CommandRouter) -> None:
    for other in (cmd("saved", user="u2"), cmd("saved", workspace="w2")):
        assert "empty" in (await router.handle(other)).text
    assert (await router.handle(cmd("unsave p012", user="u2"))).text.endswith("was not on your list.")
    assert (await router.handle(cmd("unsave p012"))).text.startswith("Removed")
    assert "(12)" in (await router.handle(cmd("saved"))).text


def test_adapters_carry_the_exported_file() -> None:
    from adapters.discord.render import render_reply as discord_reply
    from adapters.slack.render import render_reply as slack_reply
    from bot.events import Reply

    reply = Reply("Your list", attachment=("reading-list.md", b"# Reading list\n- **A** ```x```\n"))
    [message] = discord_reply(reply)
    [file] = message.files()
    assert file.filename == "reading-list.md" and file.fp.read() == reply.attachment[1]
    blocks = slack_reply(reply)["blocks"]
    assert "reading-list.md" in str(blocks) and "# Reading list" in blocks[-1]["text"]["text"]
