"""Block Kit rendering: Slack's limits hold and hostile paper text can neither ping nor forge links.

The limits are Slack's, checked by the fake Web API's own validator (testing.slack_limits), never the renderer's.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack.render import ELLIPSIS, escape, fit, render_digest, render_reply
from bot.events import Reply
from bot.models import ChannelRef, DigestItem, DigestMessage, Twin
from testing.slack_limits import MAX_BLOCKS, MAX_HEADER_TEXT, MAX_TEXT, block_errors

REF = ChannelRef("slack", "T1", "C1")
CREATED = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
HOSTILE = ["<!channel>", "<!here>", "@here", "<http://evil.example|click>", "&", "<@U123>", "a&b<c>d", "*bold*", "`x`"]
# Words and hostile fragments, sometimes long enough to blow every limit.
words = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=40), st.text(min_size=500, max_size=4000))
texts = st.lists(words, min_size=0, max_size=60).map(" ".join)
visible = texts.filter(str.strip)  # a header or a reply's text: config and the core never leave them blank
items = st.builds(
    DigestItem,
    paper_id=st.text(max_size=300),  # empty, or past a block_id's 255: such a paper goes without buttons
    headline=texts,
    tldr=texts,
    source=st.text(max_size=50),
    url=st.one_of(
        st.none(), st.sampled_from(["https://arxiv.org/abs/1?a=1&b=<2>|x", "javascript:alert(1)", "http://["])
    ),
    authors=st.lists(st.text(max_size=60), max_size=8).map(tuple),
    reason=st.one_of(st.none(), texts),
    twins=st.lists(
        st.builds(
            Twin,
            paper_id=st.text(min_size=1, max_size=80),
            headline=texts,
            url=st.one_of(st.none(), st.just("https://x.org/" + "a" * 990)),
            credit=st.one_of(st.none(), texts),
        ),
        max_size=12,
    ).map(tuple),
)


def digest(*digest_items: DigestItem, header: str = "Papers") -> DigestMessage:
    return DigestMessage("d1", REF, header, CREATED, tuple(digest_items))


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    texts = [message["text"]]
    for block in message["blocks"]:
        if block.get("text", {}).get("type") == "mrkdwn":
            texts.append(block["text"]["text"])
        texts += [element["text"] for element in block.get("elements", []) if element.get("type") == "mrkdwn"]
    return texts


def assert_within_limits(message: dict[str, Any]) -> None:
    """Slack would post it: the fake Web API's validator finds nothing to refuse."""
    assert message["text"] or message["blocks"]
    assert block_errors(message["blocks"]) == []


def assert_inert(message: dict[str, Any]) -> None:
    """No `<...>` control sequence except the headline link we build, and that link is http(s) with a safe label."""
    for text in mrkdwn_texts(message):
        for sequence in re.findall(r"<[^>]*>", text):
            assert re.fullmatch(r"<https?://[^|<>\s]+\|[^<>]*>", sequence), sequence
        assert "<!" not in text and "<@" not in text and "<#" not in text


# Long generated text is slow to draw: 1,000 cheaper hostile digests run in tests/fuzz/test_render_fuzz.py.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(items, min_size=0, max_size=25), visible)
def test_hostile_digests_stay_within_limits_and_inert(digest_items: list[DigestItem], header: str) -> None:
    rendered = render_digest(digest(*digest_items, header=header))
    assert len(rendered) == max(1, len(digest_items))
    for message in rendered:
        assert_within_limits(message)
        assert_inert(message)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(texts, st.integers(min_value=20, max_value=3000))
def test_fit_cuts_only_at_word_boundaries(text: str, limit: int) -> None:
    fitted = fit(text, limit)
    assert len(fitted) <= limit
    if fitted == escape(text):
        return
    assert fitted.endswith(ELLIPSIS)
    kept = fitted.removesuffix(ELLIPSIS).rstrip()
    escaped_words = [escape(word) for word in text.split()]
    if kept.split() == escaped_words[: len(kept.split())]:
        return
    # Only a single giant first word may be cut by characters, and never inside an escape entity.
    assert " " not in kept and escaped_words[0].startswith(kept)
    assert not re.search(r"&[a-z]*$", kept) or kept.endswith(("&amp;", "&lt;", "&gt;"))


# As above: the 1,000-example reply target is in tests/fuzz/test_render_fuzz.py.
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(items, max_size=120), visible)
def test_replies_fit_one_message(reply_items: list[DigestItem], text: str) -> None:
    message = render_reply(Reply(text, items=tuple(reply_items)))
    assert_within_limits(message)
    assert_inert(message)


def test_escapes_pings_links_and_ampersands() -> None:
    item = DigestItem("p1", "Tom & Jerry <!channel>", "<http://evil|click> @here &amp;", "arxiv", None, ("<@U1>",))
    texts = " ".join(mrkdwn_texts(render_digest(digest(item))[0]))
    assert "Tom &amp; Jerry &lt;!channel&gt;" in texts
    assert "&lt;http://evil|click&gt;" in texts
    assert "&amp;amp;" in texts and "&lt;@U1&gt;" in texts


def test_an_items_twins_are_linked_under_it_with_their_ids_and_authors() -> None:
    twins = (
        Twin("ss-2", "Adam, again", "https://shortscience.org/p/2", "summary by Bo on shortscience"),
        Twin("ss-3", "Adam <3>", None),
    )
    [message] = render_digest(digest(DigestItem("p1", "Adam", "An optimizer.", "arxiv", twins=twins)))
    assert [element["text"] for element in twin_block(message)["elements"]] == [
        "Also summarized:",
        "<https://shortscience.org/p/2|Adam, again> · id ss-2 · summary by Bo on shortscience",
        "Adam &lt;3&gt; · id ss-3",
    ]
    many = twin_block(render_digest(digest(DigestItem("p1", "Adam", "x", "arxiv", twins=twins * 5)))[0])["elements"]
    assert len(many) == 10 and many[-1]["text"] == "…and 2 more"


def twin_block(message: dict[str, Any]) -> dict[str, Any]:
    return next(
        b for b in message["blocks"] if b["type"] == "context" and b["elements"][0]["text"] == "Also summarized:"
    )


def test_the_rest_of_a_resumed_digest_is_not_headed_again() -> None:
    items_ = [DigestItem(f"p{i}", f"Paper {i}", "x", "arxiv") for i in range(2)]
    rendered = render_digest(replace(digest(*items_), continued=True))
    assert [block["type"] for message in rendered for block in message["blocks"]].count("header") == 0


def test_layout_one_message_per_paper_header_first_footer_last() -> None:
    items_ = [
        DigestItem(f"p{i}", f"Paper {i}", f"Summary {i}.", "arxiv", f"https://arxiv.org/abs/{i}") for i in range(3)
    ]
    rendered = render_digest(digest(*items_))
    kinds = [[block["type"] for block in message["blocks"]] for message in rendered]
    paper = ["section", "context", "actions", "context_actions"]
    assert kinds == [["header", *paper], paper, [*paper, "divider", "context"]]
    assert rendered[0]["blocks"][1]["text"]["text"] == "*<https://arxiv.org/abs/0|Paper 0>*\nSummary 0."
    assert "id p1" in rendered[1]["blocks"][1]["elements"][0]["text"]
    assert "Monday 06 May 2024" in rendered[2]["blocks"][-1]["elements"][0]["text"]


def test_long_digest_is_split_without_cutting_papers() -> None:
    tldr = " ".join(f"word{i}" for i in range(200))
    items_ = [DigestItem(f"p{i}", f"Paper {i}", tldr, "arxiv") for i in range(60)]
    rendered = render_digest(digest(*items_))
    assert len(rendered) == 60
    for message in rendered:
        section = next(block for block in message["blocks"] if block["type"] == "section")
        assert section["text"]["text"].endswith(tldr)


def test_over_long_tldr_is_shortened_at_a_word() -> None:
    tldr = " ".join(["lengthy"] * 1000)
    section = render_digest(digest(DigestItem("p1", "Title", tldr, "arxiv")))[0]["blocks"][1]["text"]["text"]
    assert len(section) <= MAX_TEXT
    assert section.endswith(" " + ELLIPSIS)
    assert set(section.split("\n", 1)[1].removesuffix(ELLIPSIS).split()) == {"lengthy"}


def test_header_is_plain_text_within_150() -> None:
    header = render_digest(digest(header="word " * 100))[0]["blocks"][0]
    assert header["text"]["type"] == "plain_text"
    assert len(header["text"]["text"]) <= MAX_HEADER_TEXT and header["text"]["text"].endswith(ELLIPSIS)


def test_reply_with_many_items_says_how_many_more() -> None:
    reply = Reply("Your reading list (40):", items=tuple(DigestItem(f"p{i}", "T", "S", "arxiv") for i in range(40)))
    message = render_reply(reply)
    assert len(message["blocks"]) <= MAX_BLOCKS
    assert message["blocks"][-1]["elements"][0]["text"] == "…and 16 more"
