"""Generic feeds: RSS 2.0, RSS 1.0 and Atom parse to clean papers; unusable documents raise one clear SourceError."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import SourceError
from bot.ingest.clean import fingerprint
from bot.models import Paper, SourceEntry
from bot.sources.base import ParsedPage
from bot.sources.entries import html_to_text
from bot.sources.feeds import parse_feed
from testing.feed_server import FIXTURES
from tests.fuzz.harness import fuzz

URL = "https://blog.example.org/feed.xml"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _rss(items: str, declaration: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    return f'{declaration}<rss version="2.0"><channel><title>Feed</title>{items}</channel></rss>'.encode()


def test_rss2() -> None:
    page = parse_feed(_fixture("rss2.xml"), URL, {"Content-Type": "application/rss+xml; charset=utf-8"})
    assert page.problems == (f"{URL}: entry 3: no title or text",)
    assert (page.total, page.start) == (None, None)
    post, linked, listed = (entry.paper for entry in page.entries)
    text = (
        "Mixture-of-experts models usually need huge servers & fast interconnects. This post explains how routing to "
        "two of sixty-four experts keeps latency low on a phone. It also covers the load-balancing loss."
    )
    assert post == Paper(
        id=post.id,
        source="rss",
        source_id="https://blog.example.org/2024/01/tiny-experts",
        headline="Why tiny experts work on phones",
        text=text,  # the full post, not the teaser; no script, tags or entities
        fingerprint=fingerprint(text),
        authors=("Sam Rivera",),  # without the e-mail address
        url="https://blog.example.org/2024/01/tiny-experts",
        categories=("efficiency", "translation"),
        published=datetime(2024, 1, 10, 6, 30, tzinfo=UTC),
    )
    assert post.id.startswith("rss-") and len(post.id) == 16
    assert linked == Paper(  # links an arXiv paper: takes its id, provisionally
        id="2401.00002",
        source="rss",
        source_id="gradient-notebook-0042",
        headline="Paper of the week: curriculum dropout",
        text="Dropout that grows during training fights over-smoothing in GNNs — a neat trick.",
        fingerprint=fingerprint("Dropout that grows during training fights over-smoothing in GNNs — a neat trick."),
        authors=("Sam Rivera",),
        url="https://arxiv.org/abs/2401.00002",
        published=datetime(2024, 1, 9, 18, 0, tzinfo=UTC),
        provisional=True,
    )
    assert (listed.source_id, listed.url, listed.published) == (
        "https://blog.example.org/2024/01/reading-list",  # no guid: the link identifies it
        "https://blog.example.org/2024/01/reading-list",
        None,
    )


def test_atom() -> None:
    page = parse_feed(_fixture("atom.xml"), "https://lab.example.edu/feed.atom", {})
    assert page.problems == ()
    article, preprint = (entry.paper for entry in page.entries)
    assert article.headline == "Robust Gaussian Processes under Label Noise"
    assert article.text == (
        "We replace the Gaussian likelihood with a Student-t one and fit it by expectation propagation. On six "
        "benchmarks, accuracy stays within 2% of the clean-label result when 20% of labels are flipped."
    )
    assert article.source_id == "tag:lab.example.edu,2024:robust-gp"
    assert article.authors == ("Eva Novak", "Tomás Ruiz")
    assert article.categories == ("stat.ML", "gaussian-processes")
    assert article.published == datetime(2024, 1, 11, 7, 15, tzinfo=UTC)
    assert article.updated == datetime(2024, 1, 11, 9, 0, tzinfo=UTC)
    assert article.url == "https://lab.example.edu/papers/robust-gp"
    assert not article.provisional
    assert (preprint.id, preprint.url, preprint.provisional, preprint.version) == (
        "2401.00005",
        "https://arxiv.org/abs/2401.00005",
        True,
        None,  # a feed's record carries no arXiv version: arXiv's own record brings it
    )
    assert preprint.published == preprint.updated == datetime(2024, 1, 10, 16, 0, tzinfo=UTC)


def test_rss1_in_latin1() -> None:
    page = parse_feed(_fixture("rss1.xml"), "https://journal.example.net/rss", {"Content-Type": "application/rdf+xml"})
    first, second = (entry.paper for entry in page.entries)
    assert first.headline == "Schön's Lemma for Streaming Sketches"
    assert first.text == "We extend Schön's lemma to count-min sketches and prove a tighter error bound."
    assert first.authors == ("Jürgen Schön",)
    assert first.categories == ("algorithms",)
    assert first.published == datetime(2024, 1, 8, 9, 0, tzinfo=UTC)
    assert second.published == datetime(2024, 1, 9, tzinfo=UTC)
    assert second.source_id == second.url == "https://journal.example.net/articles/1018"


def test_ids_are_stable_and_local_guids_are_scoped_to_their_feed() -> None:
    body = _rss(
        "<item><guid isPermaLink='false'>post-1</guid><title>A</title></item>"
        "<item><guid>https://x.example/p/2</guid><title>B</title></item>"
    )
    here = [entry.paper.id for entry in parse_feed(body, URL, {}).entries]
    assert here == [entry.paper.id for entry in parse_feed(body, URL, {}).entries]
    there = [entry.paper.id for entry in parse_feed(body, "https://other.example/feed", {}).entries]
    assert here[0] != there[0] and here[1] == there[1]


def test_declared_charset_is_honoured() -> None:
    body = _rss("<item><link>https://x.example/1</link><title>Caf\xe9 cr\xe8me</title></item>", "").replace(
        b"Caf\xc3\xa9 cr\xc3\xa8me", "Café crème".encode("latin-1")
    )
    page = parse_feed(body, URL, {"content-type": "text/xml; charset=ISO-8859-1"})
    assert page.entries[0].paper.headline == "Café crème"


def test_a_mislabelled_encoding_still_parses() -> None:
    body = _rss("<item><link>https://x.example/1</link><title>Caf\xe9</title></item>").replace(
        "é".encode(), "é".encode("latin-1")
    )
    assert parse_feed(body, URL, {}).entries[0].paper.headline == "Café"


def test_entry_problems_do_not_stop_the_others() -> None:
    body = _rss(
        "<item><title>No id or link</title></item>"
        "<item><link>https://x.example/2</link><description>&lt;p&gt;Body only.&lt;/p&gt;</description></item>"
        "<item><link>https://x.example/3</link><title>   </title><description>&lt;br/&gt;</description></item>"
    )
    page = parse_feed(body, URL, {})
    assert page.problems == (f"{URL}: entry 1: no id or link", f"{URL}: entry 3: no title or text")
    (entry,) = page.entries
    assert (entry.paper.headline, entry.paper.text) == ("Body only", "Body only.")


def test_a_long_title_keeps_its_main_part_and_an_untitled_entry_says_its_headline_is_derived() -> None:
    title = (
        "Swapout: Learning an Ensemble of Deep Architectures With Stochastic Layers That Generalize Dropout and "
        "Stochastic Depth"
    )
    body = _rss(
        f"<item><link>https://x.example/1</link><title>{title}</title><description>Swapout mixes layers.</description>"
        "</item><item><link>https://x.example/2</link><description>We propose HopNet, a sparse network.</description>"
        "</item>"
    )
    titled, untitled = (entry.paper for entry in parse_feed(body, URL, {}).entries)
    assert titled.headline == "Swapout: Learning an Ensemble of Deep Architectures With Stochastic Layers"
    assert (titled.derived_headline, untitled.derived_headline) == (False, True)


def test_bad_dates_count_as_absent() -> None:
    body = _rss(
        "<item><link>https://x.example/1</link><title>Old</title><pubDate>Mon, 01 Jan 0000 00:00:00 GMT</pubDate>"
        "</item><item><link>https://x.example/2</link><title>Odd</title><pubDate>yesterday-ish</pubDate></item>"
    )
    assert [entry.paper.published for entry in parse_feed(body, URL, {}).entries] == [None, None]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty response"),
        (b"  \n\t", "empty response"),
        (_fixture("html_error_page.html"), "not a feed: the server sent an HTML page"),
        (b'<?xml version="1.0"?>\n<!-- cached -->\n<HTML><body>Login</body></HTML>', "not a feed: the server sent"),
        (_fixture("malformed.xml"), "malformed XML: mismatched tag (line 8, column 6)"),
        (_fixture("malformed.xml").split(b"\n", 1)[1], "malformed XML: mismatched tag (line 7, column 6)"),
        (gzip.compress(b"<rss/>", mtime=0), "not a feed: the response is not XML (it starts with b'\\x1f\\x8b\\x08"),
        (bytes(range(256)) * 4, "not a feed: the response is not XML (it starts with b'\\x00\\x01"),
        (b'{"items": [1, 2]}', "not a feed: the response is not XML (it starts with b'{\"items\": [1')"),
        (b"/etc/passwd", "not a feed: the response is not XML"),  # the body, never a path to open
        (b"<\xff\xfe\x00garbage", "malformed XML: not well-formed (invalid token) (line 1, "),
        (b'<?xml version="1.0"?><opml version="2.0"><body/></opml>', "not a feed: no RSS or Atom document element"),
        (_rss("<item><title>x</title></item>").replace(b"<rss ", b"<rss <"), "malformed XML: not well-formed"),
    ],
)
def test_unusable_documents_raise_one_line(body: bytes, reason: str) -> None:
    with pytest.raises(SourceError) as raised:
        parse_feed(body, URL, {"Content-Type": "application/rss+xml"})
    assert str(raised.value).startswith(f"{URL}: {reason}")
    assert "\n" not in str(raised.value)


def test_html_to_text() -> None:
    markup = "<div><p>One&nbsp;&amp; two</p><script>var x = '<p>';</script><style>p{}</style><ul><li>a<li>b</ul>x<y"
    assert html_to_text(markup).split() == ["One", "&", "two", "a", "b", "x<y"]


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


@st.composite
def _feeds(draw: st.DrawFn) -> bytes:
    """Well-formed feeds with arbitrary text where real feeds have text (including markup-looking text)."""
    fields = [escape(draw(_TEXT)) for _ in range(4)]
    item = "<item><title>{}</title><link>{}</link><description>{}</description><pubDate>{}</pubDate></item>"
    return _rss(item.format(*fields) * draw(st.integers(0, 3)))


@fuzz("feed: RSS/Atom (parse_feed)")  # 1,000 examples, counted in the run's summary
@given(st.one_of(st.binary(max_size=2000), st.binary(max_size=2000).map(lambda tail: b"<" + tail), _feeds()))
def test_any_bytes_give_a_page_or_a_source_error(body: bytes) -> None:
    try:
        page = parse_feed(body, URL, {})
    except SourceError as exc:
        assert str(exc).startswith(f"{URL}: ")
    else:
        assert isinstance(page, ParsedPage)
        assert all(isinstance(entry, SourceEntry) and entry.paper.text for entry in page.entries)
