"""Why this paper: each digest item's one line, from the store through the digest to Slack, Discord and the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.console import Console

from adapters import console as console_render
from adapters.discord import render as discord_render
from adapters.slack import render as slack_render
from app.parts import digest_service
from bot.models import Channel, ChannelRef, DigestItem, DigestMessage, Paper
from bot.selection.reasons import MAX_REASON_CHARS, ranking_explained, reason_for
from testing.fakes import FirstWordsSummarizer
from tests.adapters.discord.test_render import assert_limits as assert_discord_limits
from tests.adapters.slack.test_render import assert_within_limits as assert_slack_limits

REF = ChannelRef("slack", "w1", "c1")
NOW = datetime(2024, 3, 1, tzinfo=UTC)


def paper(n: int, headline: str, **fields: object) -> Paper:
    values: dict[str, object] = {
        "id": f"p{n}",
        "source": "arxiv",
        "source_id": str(n),
        "headline": headline,
        "text": f"Body of paper {n}.",
        "fingerprint": f"fp{n}",
        "published": NOW - timedelta(days=n),
    }
    return Paper(**(values | fields))  # type: ignore[arg-type]


async def test_each_digest_item_says_why_the_channel_gets_it(sqlite_store) -> None:
    await sqlite_store.papers.add_papers(
        [
            paper(1, "Priors for deep nets", authors=("Yoshua Bengio",)),
            paper(2, "Message passing graph networks", authors=("Y. Bengio",)),
            paper(3, "Graph networks at scale"),
            paper(4, "A popular trick", upvotes=1234),
            paper(5, "Plain new work", categories=("cs.LG", "stat.ML")),
            paper(6, "From a feed", source="rss"),
        ]
    )
    digests = digest_service(sqlite_store, FirstWordsSummarizer(), header="P", clock=lambda: NOW)
    focused = await sqlite_store.channels.upsert_channel(
        Channel(REF, digest_size=10, topics=("graph networks",), authors=("Y. Bengio",))
    )
    everything = await sqlite_store.channels.upsert_channel(Channel(ChannelRef("slack", "w1", "c2"), digest_size=10))

    focused_digest = await digests.plan(focused)
    assert focused_digest is not None
    assert [(item.paper_id, item.reason) for item in focused_digest.items] == [
        ("p1", "by Yoshua Bengio (followed author)"),
        ("p2", "by Y. Bengio (followed author)"),
        ("p3", "matches your topic “graph networks”"),
    ]
    broad = await digests.plan(everything)
    assert broad is not None
    assert {item.paper_id: item.reason for item in broad.items if item.paper_id in {"p4", "p5", "p6"}} == {
        "p4": "popular on Hugging Face (1,234 upvotes)",
        "p5": "new in cs.LG",
        "p6": "new from rss",
    }


async def test_the_reasons_in_order_of_weight() -> None:
    channel = Channel(REF, topics=("graph networks",), authors=("Hinton",))

    assert reason_for(paper(1, "Capsules", authors=("G. E. Hinton",)), channel) == "by G. E. Hinton (followed author)"
    assert reason_for(paper(2, "Deep graph networks"), channel) == "matches your topic “graph networks”"
    by_meaning = reason_for(paper(3, "GNNs"), channel, topic_scores={"graph networks": 0.6})
    assert by_meaning == "close in meaning to your topic “graph networks”"
    assert reason_for(paper(4, "Liked", upvotes=7), channel, liked=0.3) == "like papers this channel voted up or shared"
    assert reason_for(paper(5, "Hyped", upvotes=1234), channel, liked=0.01) == "popular on Hugging Face (1,234 upvotes)"
    assert reason_for(paper(6, "Plain", categories=("cs.LG",)), channel) == "new in cs.LG"
    assert reason_for(paper(7, "Feed", source="rss"), channel) == "new from rss"
    long_topic = Channel(REF, topics=("word " * 30,))
    assert len(reason_for(paper(8, "word " * 40), long_topic)) <= MAX_REASON_CHARS


def test_topics_explains_the_ranking_in_the_reasons_words() -> None:
    channel = Channel(REF, topics=("graphs",), authors=("Hinton",), muted=("crypto",))

    assert ranking_explained(channel, by_meaning=True) == (
        "new papers by followed authors first, then papers matching your topics (by words, or close in meaning), "
        "then papers like those this channel voted up or shared rise, then popular on Hugging Face (upvotes) "
        "next, "
        "then newest first; nothing matching a muted topic"
    )
    assert ranking_explained(Channel(REF), by_meaning=False) == "newest first"


def item(reason: str) -> DigestItem:
    return DigestItem("p1", "A paper", "Its TL;DR.", "arxiv", "https://arxiv.org/abs/1", ("Ada",), reason=reason)


def test_the_why_line_renders_on_every_platform_within_its_limits() -> None:
    reason = "matches your topic “graph <!channel> @everyone *networks*”"
    message = DigestMessage("d1", REF, "Papers", NOW, (item(reason), item("x" * 5000)))

    slack = slack_render.render_digest(message)
    for posted in slack:
        assert_slack_limits(posted)
    context = [b for b in slack[0]["blocks"] if b["type"] == "context"][0]["elements"][-1]["text"]
    assert context == "_Why: matches your topic “graph &lt;!channel&gt; @everyone *networks*”_"

    discord = discord_render.render_digest(message)
    assert_discord_limits(discord)
    field = discord[0].embeds[0].fields[0]
    assert field.name == "Why this paper" and "networks" in field.value and "@everyone" not in field.value
    assert len(discord[1].embeds[0].fields[0].value) <= MAX_REASON_CHARS

    out = Console(width=200, record=True)
    out.print(console_render.render_digest(message))
    assert "Why: matches your topic “graph <!channel> @everyone *networks*”" in out.export_text()
