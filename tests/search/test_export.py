"""Exported reading lists hold against hostile titles, names and links: BibTeX read back by a strict parser (pybtex)
and by bibtexparser, Markdown by a real CommonMark renderer (markdown-it-py)."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import bibtexparser
import pybtex.errors
import pytest
from markdown_it import MarkdownIt
from pybtex.database import parse_string

from app.parts import command_router, digest_service
from bot.chat.router import CommandRouter
from bot.events import IncomingCommand
from bot.models import Channel, ChannelRef, Save, Summary
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer
from tests.storage.conftest import T0, paper

FORGED = 'Robust } @misc(pwned, title = "Forged entry", url = {https://evil.example}) @comment('
PAPERS = [
    paper(1, FORGED, authors=("Rozsa et al.",), url="https://example.org/a?b=1&c=2#frag%20x"),
    paper(
        2,
        "A title cut because it was far too long to show in a chat message so the headline ends with an…",
        authors=("Andras Rozsa", "Ludwig van Beethoven", "Martin Luther King Jr.", "Smith and Jones, Ann"),
    ),
    paper(
        3,
        "Braces {open and } close } \\} %comment # & $x^2$ ~ _ @ \\",
        authors=("A, B, C, D", "others"),
        url="https://example.org/wiki/Foo_(bar)?q=<x> y{z}",
    ),
    paper(4, "Unsafe link [x](javascript:alert(1))", url="javascript:alert(1)"),
    paper(
        5,
        "1. Not a list\n===\n<b>html</b> &amp; **bold** `code` ![img](https://evil.example/i.png)",
        authors=("- dash",),
        url="https://arxiv.org/abs/2401.00001)](https://evil.example) [x](y",
    ),
]
TLDRS = {"p001": "TL;DR: Robust models resist 100% of {small} attacks.", "p002": "tl;dr - short & sweet."}


@pytest.fixture
async def router(store: SqlStore) -> CommandRouter:
    await store.papers.add_papers(PAPERS)
    await store.summaries.add_summaries([Summary(pid, "s", "1", text) for pid, text in TLDRS.items()])
    for n, item in enumerate(PAPERS):
        await store.reading_lists.save_paper(Save("slack", "w1", "u1", item.id, T0 + timedelta(hours=n)))

    async def load(ref: ChannelRef) -> Channel:
        return Channel(ref)

    return command_router(store, digest_service(store, FirstWordsSummarizer(), header="Papers"), load)


async def export(router: CommandRouter, fmt: str) -> str:
    reply = await router.handle(IncomingCommand("slack", "w1", "c1", "u1", f"saved export {fmt}"))
    assert reply.attachment is not None
    return reply.attachment[1].decode()


async def test_bibtex_parses_strictly_into_exactly_the_saved_papers(router: CommandRouter) -> None:
    text = await export(router, "bibtex")
    pybtex.errors.set_strict_mode(True)
    strict = parse_string(text, "bibtex")  # raises on any syntax error
    assert len(strict.entries) == len(PAPERS) and not any("pwned" in key for key in strict.entries)
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [] and len(library.entries) == len(PAPERS)
    assert [block for block in library.blocks if block not in library.entries] == []  # no @comment, no strings
    forged = strict.entries[next(key for key in strict.entries if key.endswith("p001"))]
    assert "Forged entry" in forged.fields["title"] and forged.fields["title"].startswith("Robust ")
    assert "pwned" in forged.fields["title"]  # the whole title stayed in its field


async def test_bibtex_names_titles_notes_and_urls_are_written_as_bibtex_expects(router: CommandRouter) -> None:
    text = await export(router, "bibtex")
    strict = parse_string(text, "bibtex")
    entry = {key.rsplit("_", 1)[-1]: value for key, value in strict.entries.items()}
    rozsa = entry["p001"].persons["author"]
    assert [str(person) for person in rozsa] == ["Rozsa", "others"]
    people = entry["p002"].persons["author"]
    assert [(p.last_names, p.first_names) for p in people[:2]] == [(["Rozsa"], ["Andras"]), (["Beethoven"], ["Ludwig"])]
    assert people[1].prelast_names == ["van"] and people[2].lineage_names == ["Jr."] and len(people) == 4
    assert len(entry["p003"].persons["author"]) == 2  # commas and "others" inside a name stay inside it
    assert entry["p002"].fields["title"].endswith("headline ends with an")  # no ellipsis
    note = r"Robust models resist 100\% of \textbraceleft{}small\textbraceright{} attacks."
    assert entry["p001"].fields["note"] == note  # no "TL;DR:" label
    assert entry["p002"].fields["note"] == r"short \& sweet."
    assert entry["p001"].fields["url"] == "https://example.org/a?b=1&c=2#frag%20x"  # verbatim: no \# or \&
    assert entry["p003"].fields["url"] == "https://example.org/wiki/Foo_(bar)?q=<x>%20y%7Bz%7D"
    assert "url" not in entry["p004"].fields
    library = {e.key.rsplit("_", 1)[-1]: e for e in bibtexparser.parse_string(text).entries}
    assert library["p001"]["author"] == "Rozsa and others"
    assert library["p002"]["author"].startswith("Rozsa, Andras and van Beethoven, Ludwig and King, Jr., Martin Luther")
    assert library["p001"]["url"] == "https://example.org/a?b=1&c=2#frag%20x"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"] or "")


async def test_markdown_links_cannot_break_out_and_text_renders_as_itself(router: CommandRouter) -> None:
    text = await export(router, "markdown")
    assert text.endswith("\n") and not text.endswith("\n\n")
    html = MarkdownIt("commonmark").render(text)
    links = _Links()
    links.feed(html)
    assert links.hrefs == [  # newest saved first
        "https://arxiv.org/abs/2401.00001%29%5D%28https://evil.example%29%20%5Bx%5D%28y",
        "https://example.org/wiki/Foo_%28bar%29?q=%3Cx%3E%20y%7Bz%7D",
        "https://example.org/a?b=1&c=2#frag%20x",
    ]
    assert links.tags <= {"h1", "ul", "li", "strong", "a", "blockquote", "p"}  # no img, b, code, em, h2, ol
    assert "Forged entry" in html and "&lt;b&gt;html&lt;/b&gt; &amp;amp; **bold** `code`" in html
    assert "javascript" not in "".join(links.hrefs)
