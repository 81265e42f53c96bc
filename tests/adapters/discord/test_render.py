"""Digests and replies fit every Discord limit and carry no live markdown, masked links or mentions.

The limits are Discord's, checked by the fake API's own validator (testing.discord_limits) on the JSON discord.py
sends, never the renderer's constants.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord.render import RenderedMessage, footer_ids, paper_embed, render_digest, render_reply, source_colour
from bot.events import Reply
from bot.models import ChannelRef, DigestItem, DigestMessage, Twin
from testing.discord_limits import MAX_FIELD_VALUE, form_errors, is_empty

HOSTILE = [
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@&223456789012345678>",
    "**bold**",
    "__u__",
    "`code`",
    "[click](https://evil.example)",
    "||spoiler||",
    "~~gone~~",
    "> quote",
    "# heading",
    "\\",
    "*",
    "_",
]
# No ':' or '/' in generated text, so no URL forms (escape_markdown deliberately leaves URLs alone).
_ALPHABET = st.characters(blacklist_categories=("Cs",), blacklist_characters=":/")
TEXT = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(_ALPHABET, max_size=300)), max_size=60).map("".join)
LONG = st.integers(0, 9000).map(lambda n: "word " * n)
VISIBLE = st.one_of(TEXT, LONG).filter(str.strip)  # a header or a reply's text: never blank (config, the core)


def item(number: int, headline: str = "A headline", tldr: str = "A summary.", **kw: object) -> DigestItem:
    return DigestItem(paper_id=f"p{number}", headline=headline, tldr=tldr, source="arxiv", **kw)  # type: ignore[arg-type]


def digest(*items: DigestItem, header: str = "Papers") -> DigestMessage:
    return DigestMessage("d1", ChannelRef("discord", "1", "2"), header, datetime(2025, 1, 1, tzinfo=UTC), items)


def unescaped(text: str, pattern: str) -> bool:
    """True when `pattern` occurs without an odd run of backslashes before it (so it would format)."""
    for match in re.finditer(pattern, text):
        run = len(text[: match.start()]) - len(text[: match.start()].rstrip("\\"))
        if run % 2 == 0:
            return True
    return False


def assert_inert(text: str) -> None:
    assert not re.search(r"@(everyone|here)", text)
    assert not re.search(r"<@[!&]?\d{17,20}>", text)
    for pattern in (r"\*", "_", "`", "~", r"\|", r"\[[^\]]*\]\("):  # the last: a masked link's opening
        assert not unescaped(text, pattern), (pattern, text)


def wire_body(message: RenderedMessage) -> dict:
    """The message as discord.py puts it on the wire."""
    files = [{"filename": file.filename} for file in message.files()]
    return {"content": message.content, "embeds": [embed.to_dict() for embed in message.embeds], "files": files}


def assert_limits(messages: list[RenderedMessage]) -> None:
    """Discord would post each message: the fake API's validator finds nothing to refuse."""
    for message in messages:
        body = wire_body(message)
        assert form_errors(body) == {}
        assert not is_empty(body)


def test_digest_posts_header_then_one_message_per_paper() -> None:
    messages = render_digest(digest(item(1), item(2, url="https://arxiv.org/abs/1"), item(3), header="Monday"))
    assert [m.content for m in messages] == ["Monday", None, None]
    assert [m.paper_ids for m in messages] == [("p1",), ("p2",), ("p3",)]
    assert [len(m.embeds) for m in messages] == [1, 1, 1]
    assert messages[1].embeds[0].url == "https://arxiv.org/abs/1"
    assert messages[0].embeds[0].footer.text == "arxiv · p1 · digest d1"


def test_a_digest_footer_carries_its_paper_and_a_short_digest_mark_even_when_clipped() -> None:
    digest_id = "3f9c1a2b" + "0" * 24
    long_credit = item(7, credit="summary by " + "Ada " * 200)
    message = DigestMessage(
        digest_id,
        ChannelRef("discord", "1", "2"),
        "Papers",
        datetime(2025, 1, 1, tzinfo=UTC),
        (item(1, credit="summary by Ada on shortscience"), long_credit),
    )
    first, second = (m.embeds[0].footer.text for m in render_digest(message))
    assert first == "arxiv · p1 · summary by Ada on shortscience · digest 3f9c1a2b"
    assert len(second) <= 256 and second.endswith("… · digest 3f9c1a2b")
    assert [footer_ids(first), footer_ids(second)] == [("p1", "digest 3f9c1a2b"), ("p7", "digest 3f9c1a2b")]
    assert footer_ids(paper_embed(item(1)).footer.text) is None  # a reply's paper is no digest's


def test_an_items_twins_are_listed_in_a_field_linked_and_escaped() -> None:
    twins = (
        Twin("ss-2", "Adam, again", "https://shortscience.org/p/2", "summary by Bo on shortscience"),
        Twin("ss-3", "**Adam** @everyone", "javascript:alert(1)"),
    )
    [field] = paper_embed(item(1, twins=twins)).fields
    assert field.name == "Also summarized"
    assert field.value.splitlines() == [
        "[Adam, again](https://shortscience.org/p/2) · ss-2 · summary by Bo on shortscience",
        "\\*\\*Adam\\*\\* @\u200beveryone · ss-3",
    ]
    crowded = paper_embed(item(1, twins=tuple(Twin(f"ss-{n}", "word " * 40, None) for n in range(40)))).fields[0]
    assert len(crowded.value) <= MAX_FIELD_VALUE and crowded.value.endswith("more")
    assert crowded.value.count("\n") + 1 < 40


def test_the_rest_of_a_resumed_digest_is_not_headed_again() -> None:
    message = replace(digest(item(1), item(2)), continued=True)
    assert [m.content for m in render_digest(message)] == [None, None]


def test_only_web_links_become_title_links() -> None:
    assert paper_embed(item(1, url="javascript:alert(1)")).url is None
    assert paper_embed(item(1, url="https://x.org/" + "a" * 3000)).url is None


def test_hostile_samples_are_escaped() -> None:
    embed = paper_embed(item(1, headline="**Big** @everyone", tldr=" ".join(HOSTILE)))
    assert embed.title == "\\*\\*Big\\*\\* @\u200beveryone"
    assert "\\[click\\](https://evil.example)" in embed.description
    assert "\\<@\u200b123456789012345678>" in embed.description
    assert_inert(embed.description)


def test_colour_is_stable_per_source() -> None:
    assert source_colour("arxiv") == source_colour("ArXiv")
    assert source_colour("blog") == source_colour("blog") != source_colour("news")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=VISIBLE, headlines=st.lists(st.one_of(TEXT, LONG), min_size=1, max_size=12), tldr=st.one_of(TEXT, LONG))
def test_any_digest_fits_and_is_inert(header: str, headlines: list[str], tldr: str) -> None:
    twins = tuple(Twin(f"t{n}", h, None, h) for n, h in enumerate(headlines))
    items = [item(n, headline=h, tldr=tldr, authors=(h[:500],), twins=twins) for n, h in enumerate(headlines)]
    messages = render_digest(digest(*items, header=header))
    assert_limits(messages)
    assert [m.paper_ids for m in messages] == [(i.paper_id,) for i in items]
    assert_inert(messages[0].content or "")
    for message in messages:
        assert_inert(message.embeds[0].title)
        assert_inert(message.embeds[0].description)
        assert_inert(message.embeds[0].fields[0].value)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=VISIBLE, tldrs=st.lists(st.one_of(TEXT, LONG), max_size=30))
def test_any_reply_packs_within_limits_in_order(text: str, tldrs: list[str]) -> None:
    reply = Reply(text, items=tuple(item(n, tldr=t) for n, t in enumerate(tldrs)))
    messages = render_reply(reply)
    assert_limits(messages)
    assert messages[0].content is not None and "@everyone" not in messages[0].content
    footers = [embed.footer.text for m in messages for embed in m.embeds]
    assert footers == [f"arxiv · p{n}" for n in range(len(tldrs))]


def test_many_long_papers_split_into_several_reply_messages() -> None:
    reply = Reply("Your reading list (25):", items=tuple(item(n, tldr="x" * 4000) for n in range(25)))
    messages = render_reply(reply)
    assert len(messages) == 25  # 4000-character embeds: one per message under the 6000 total
    short = render_reply(Reply("t", items=tuple(item(n) for n in range(25))))
    assert [len(m.embeds) for m in short] == [10, 10, 5]


def test_a_reply_escapes_what_it_echoes_but_keeps_its_own_code_and_links() -> None:
    [message] = render_reply(
        Reply(
            "This channel now follows '[click here](https://evil.example) **x**'. (`saved 2` for more) "
            "see https://www.shortscience.org/paper?bibtexKey=arxiv.org/abs/1706.03762"
        )
    )
    content = message.content or ""
    assert not unescaped(content, r"\[[^\]]*\]\(") and not unescaped(content, r"\*")
    assert "`saved 2`" in content and "https://www.shortscience.org/paper?bibtexKey=arxiv.org/abs/1706.03762" in content
    assert_inert(re.sub(r"`saved 2`", "", content))
