"""One 18 MB feed item, fetched end to end (real HTTP server, fetcher, parser, SQLite store) in a fresh process whose
peak memory is measured: the item is cut to the field cap with one line, the rest of the feed is stored, and the
fetch's peak stays a small multiple of the response rather than growing with feedparser's copies of the text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ITEM_MB = 18
# The fetch may hold the response a few times over (the body read, the shrunk copy, the parser's input); before
# fields were capped ahead of parsing it took 17x (xhtml) and 5-7x (plain text) on top of the store's copies.
MAX_GROWTH = 4 * ITEM_MB

SCRIPT = r"""
import asyncio, json, resource, sys, tempfile
from datetime import UTC, datetime
from bot.config import FetchSettings, SourceSettings
from bot.sources.http import HttpFetcher
from app.parts import source_fetcher
from storage.sql_store import SqlStore
from testing.feed_server import Document, FeedServer

kind, size = sys.argv[1], int(sys.argv[2]) * 2**20
unit = "adversarial robustness of deep networks " if kind == "text" else "<p><b>adversarial</b> robustness</p>"
big = unit * (size // len(unit))
if kind == "text":
    body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            f'<item><title>Huge</title><link>https://e.org/1</link><description>{big}</description></item>'
            '<item><title>Fine</title><link>https://e.org/2</link><description>Ordinary words.</description></item>'
            '</channel></rss>')
else:
    body = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
            '<entry><id>https://e.org/1</id><title>Huge</title><content type="xhtml">'
            f'<div xmlns="http://www.w3.org/1999/xhtml">{big}</div></content></entry>'
            '<entry><id>https://e.org/2</id><title>Fine</title><summary>Ordinary words.</summary></entry></feed>')
body = body.encode()
del big


async def main():
    server = FeedServer({"/feed": Document(body)}).start()
    store = await SqlStore.connect(f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/s.db")
    http = HttpFetcher(user_agent="paperbot-tests")
    fetcher = source_fetcher(store, http, FetchSettings(), clock=lambda: datetime.now(UTC))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = await fetcher.fetch(SourceSettings(name="big", kind="rss", url=server.url + "/feed"))
    growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    texts = sorted(len(paper.text) for paper in await store.papers.list_papers(limit=10))
    await http.close()
    await store.close()
    server.stop()
    print(json.dumps({"growth_mb": growth, "error": report.error, "cuts": report.cuts, "texts": texts}))


asyncio.run(main())
"""


@pytest.mark.parametrize("kind", ["text", "xhtml"])
def test_an_18_mb_item_is_cut_with_one_line_and_the_fetch_peak_stays_small(tmp_path, kind):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, kind, str(ITEM_MB)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{kind}: peak grew {result['growth_mb']:.0f} MB")
    assert result["growth_mb"] < MAX_GROWTH, f"peak grew {result['growth_mb']:.0f} MB for a {ITEM_MB} MB item"
    assert result["error"] is None
    assert len(result["texts"]) == 2 and max(result["texts"]) <= 100_000  # both stored, the huge one cut
    cut = [line for line in result["cuts"] if "cut to 100,000 characters" in line]
    assert cut and all("entry 1:" in line for line in cut)


def test_every_parser_cuts_each_over_long_field_with_one_line_and_keeps_the_rest() -> None:
    from bot.sources.feeds import parse_feed
    from bot.sources.hf_daily import parse_daily_papers

    words = "robust " * 500
    daily = json.dumps(
        [
            {"paper": {"id": "2401.00001", "title": "Huge", "summary": words, "authors": [{"name": "A" * 50}] * 100}},
            {"paper": {"id": "2401.00002", "title": "Fine", "summary": "Ordinary words."}},
        ]
    ).encode()
    page = parse_daily_papers(daily, "https://hf.example/api", {}, max_chars=1000)
    assert [len(entry.paper.text) <= 1000 for entry in page.entries] == [True, True]
    assert len(page.entries[0].paper.authors) == 21  # the names up to the one that passes 1,000 characters
    assert page.cuts == ("https://hf.example/api: entry 1: authors, summary cut to 1,000 characters",)
    assert page.problems == ()

    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>https://e.org/1</id><title>Huge</title>'
        f'<link href="https://e.org/{"x" * 3000}"/><summary>{words}</summary></entry>'
        "<entry><id>https://e.org/2</id><title>Fine</title><summary>Ordinary words.</summary></entry></feed>"
    )
    wide = ('<?xml version="1.0" encoding="utf-16"?>' + atom).encode("utf-16")
    for body in (atom.encode(), wide):  # UTF-16 is not shrunk before parsing, only capped after
        page = parse_feed(body, "https://e.org/feed", {}, max_chars=1000)
        assert [entry.paper.headline for entry in page.entries] == ["Huge", "Fine"]
        assert max(len(entry.paper.text) for entry in page.entries) <= 1000
        assert page.cuts and all(line.startswith("https://e.org/feed: entry 1: ") for line in page.cuts)
