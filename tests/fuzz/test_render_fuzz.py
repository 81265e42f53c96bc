"""Hostile papers and replies render within Slack's and Discord's limits, with no live mention, link or markup.

The checks are the renderer tests' own (tests/adapters/*/test_render.py: the limits through the fake APIs' validators);
these targets feed them cheap hostile input (pings, markup, control and bidi characters, 100 kB strings) 1,000 times
each.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

import pybtex.errors
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from pybtex.database import parse_string

from adapters.discord import render as discord_render
from adapters.slack import render as slack_render
from bot.chat.export import to_bibtex, to_markdown
from bot.events import Reply
from bot.models import ChannelRef, DigestItem, DigestMessage, Paper
from tests.adapters.discord.test_render import assert_inert as assert_discord_inert
from tests.adapters.discord.test_render import assert_limits as assert_discord_limits
from tests.adapters.slack.test_render import assert_inert as assert_slack_inert
from tests.adapters.slack.test_render import assert_within_limits as assert_slack_limits
from tests.fuzz.harness import fuzz
from tests.fuzz.hostile import compose, hostile_text

CREATED = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
LIVE_DISCORD_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>")


def text(max_parts: int = 8, *, huge: bool = True) -> st.SearchStrategy[str]:
    """Hostile text as renderers get it: out of the store, which holds no lone surrogates."""
    return hostile_text(max_parts, huge=huge, surrogates=False)


URLS = [
    None,
    "https://arxiv.org/abs/1?a=1&b=<2>|x",
    "javascript:alert(1)",
    "http://[",
    "https://x.org/" + "a" * 3000,
    "https://evil.example/<!channel>",
    "https://ok.example/@everyone",
    " https://x.org/ a",
]


def digest_item(seed: int, *, huge: bool) -> DigestItem:
    """The hostile paper `seed` stands for (one draw: see tests/fuzz/hostile.py)."""
    rng = random.Random(seed)

    def some(max_parts: int = 8) -> str:
        return compose(rng.getrandbits(63), max_parts, huge=huge, surrogates=False)

    return DigestItem(
        paper_id=rng.choice(["p1", "arxiv:2401.00001", ""]) if rng.random() < 0.3 else some(2),
        headline=some(),
        tldr=some(),
        source=rng.choice(["arxiv", "shortscience", "rss", ""]) if rng.random() < 0.7 else some(2),
        url=rng.choice(URLS) if rng.random() < 0.5 else "https://example.org/" + some(3),
        authors=tuple(some(2) for _ in range(rng.randint(0, 4))),
        credit=None if rng.random() < 0.5 else some(3),
        reason=None if rng.random() < 0.5 else some(3),
    )


def _repeat(drawn: tuple[list[DigestItem], int]) -> tuple[DigestItem, ...]:
    """Cycle a few drawn items to `count`, so long digests and replies cost little more to draw than short ones."""
    pattern, count = drawn
    return tuple(
        replace(pattern[n % len(pattern)], paper_id=f"{pattern[n % len(pattern)].paper_id}#{n}") for n in range(count)
    )


visible = text().filter(str.strip)  # a header or a reply's text: config and the core never leave them blank
seeds = st.integers(0, 2**63)
# A few items, any of them 100 kB; or up to 60 (past Slack's 50 blocks and Discord's 10 embeds) of ordinary size.
item_lists = st.lists(seeds.map(partial(digest_item, huge=True)), max_size=3).map(tuple) | st.tuples(
    st.lists(seeds.map(partial(digest_item, huge=False)), min_size=1, max_size=3), st.integers(4, 60)
).map(_repeat)
attachments = st.tuples(text(2).filter(str.strip), st.binary(max_size=64) | text().map(str.encode))  # named files
replies = st.builds(Reply, text=visible, items=item_lists, ephemeral=st.booleans(), attachment=st.none() | attachments)


def digest(platform: str, header: str, items: tuple[DigestItem, ...]) -> DigestMessage:
    return DigestMessage("d1", ChannelRef(platform, "T1", "C1"), header, CREATED, items)


@fuzz("render: Slack digest (Block Kit)")
@given(header=visible, items=item_lists)
def test_slack_digests_fit_and_are_inert(header: str, items: tuple[DigestItem, ...]) -> None:
    rendered = slack_render.render_digest(digest("slack", header, items))
    assert len(rendered) == max(1, len(items))
    for message in rendered:
        assert_slack_limits(message)
        assert_slack_inert(message)


@fuzz("render: Slack reply (Block Kit)")
@given(reply=replies)
def test_slack_replies_fit_and_are_inert(reply: Reply) -> None:
    message = slack_render.render_reply(reply)
    assert_slack_limits(message)
    assert_slack_inert(message)


@fuzz("render: Discord digest (embeds)")
@given(header=visible, items=item_lists)
def test_discord_digests_fit_and_are_inert(header: str, items: tuple[DigestItem, ...]) -> None:
    messages = discord_render.render_digest(digest("discord", header, items))
    assert_discord_limits(messages)
    assert [m.paper_ids for m in messages] == ([(i.paper_id,) for i in items] or [()])
    assert_discord_inert(messages[0].content or "")
    for message in messages:
        for embed in message.embeds:
            assert_discord_inert(embed.title or "")
            assert_discord_inert(embed.description or "")


@fuzz("render: Discord reply (embeds)")
@given(reply=replies)
def test_discord_replies_fit_and_never_ping(reply: Reply) -> None:
    messages = discord_render.render_reply(reply)
    assert_discord_limits(messages)
    assert not LIVE_DISCORD_MENTION.search(messages[0].content or "")
    assert [embed.footer.text for m in messages for embed in m.embeds] == [
        discord_render.paper_embed(item).footer.text for item in reply.items
    ]
    for message in messages:
        for embed in message.embeds:
            assert_discord_inert(embed.title or "")
            assert_discord_inert(embed.description or "")


def reading_list(seed: int) -> list[tuple[Paper, str | None]]:
    """Up to four saved papers whose every field is hostile text (the store holds no lone surrogates)."""
    rng = random.Random(seed)

    def some(max_parts: int = 6) -> str:
        return compose(rng.getrandbits(63), max_parts, huge=rng.randrange(20) == 0, surrogates=False)

    return [
        (
            Paper(
                id=f"p{n}-{some(2)}",
                source="rss",
                source_id=str(n),
                headline=some(),
                text="t",
                fingerprint=str(n),
                authors=tuple(some(3) for _ in range(rng.randint(0, 3))),
                url=rng.choice([None, "https://e.org/" + some(3), some(3), "javascript:" + some(2)]),
            ),
            some() if rng.random() < 0.7 else None,
        )
        for n in range(rng.randint(1, 4))
    ]


@fuzz("render: reading-list export (BibTeX, Markdown)", examples=300)
@given(seed=seeds)
def test_exports_parse_back_to_exactly_the_saved_papers(seed: int) -> None:
    entries = reading_list(seed)
    pybtex.errors.set_strict_mode(True)
    library = parse_string(to_bibtex(entries), "bibtex")  # a strict parser: any forged or broken entry raises
    assert len(library.entries) == len(entries)
    for entry in library.entries.values():
        entry.persons.get("author")  # names parse too
    markdown = to_markdown(entries)
    assert markdown.endswith("\n")
    tokens = MarkdownIt("commonmark").parse(markdown)
    inline = [child for token in tokens if token.children for child in token.children]
    assert sum(token.type == "link_open" for token in inline) <= len(entries)
    assert all(token.attrs["href"].startswith(("https://", "http://")) for token in inline if token.type == "link_open")
    assert not [token for token in [*tokens, *inline] if token.type in ("html_block", "html_inline", "image")]


def test_slack_reply_with_papers_and_an_attachment_fits() -> None:
    papers = tuple(DigestItem(f"p{n}", "T", "S", "arxiv") for n in range(40))
    assert_slack_limits(slack_render.render_reply(Reply("Exported.", items=papers, attachment=("list.md", b"x"))))
