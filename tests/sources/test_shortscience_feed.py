"""ShortScience feeds: summaries of arXiv papers travel with a provisional paper; others stand in for their paper."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.ingest.clean import fingerprint
from bot.ingest.shortscience import parse_shortscience
from bot.models import CommunitySummary, Paper, SourceEntry
from bot.sources.shortscience_feed import parse_shortscience_feed
from testing.feed_server import FIXTURES

URL = "https://www.shortscience.org/rss.xml"
PERMALINK = "https://www.shortscience.org/paper?bibtexKey="
TITLE = "Sparse Mixtures of Tiny Experts for On-Device Translation"
FIRST = (
    "Idea: route each token to k=2 of 64 tiny experts & keep the phone busy only where it matters. • Latency stays "
    "under 30ms. • Quality matches a dense model with 4× the parameters. Code: github"
)
SECOND = (
    "The authors show that a load-balancing loss is what makes small experts usable: without it, two experts take "
    "90% of the tokens."
)
THIRD = (
    "Lindgren et al. propose a density-map counter trained on synthetic flocks — it counts birds in drone video "
    "within 5% of human annotators."
)


def _parse(body: bytes) -> tuple[tuple[SourceEntry, ...], tuple[str, ...]]:
    page = parse_shortscience_feed(body, URL, {"Content-Type": "application/rss+xml; charset=utf-8"})
    return page.entries, page.problems


def _summarized(permalink: str, text: str, author: str, votes: int, published: datetime) -> SourceEntry:
    shared = {"source": "shortscience", "source_id": permalink, "text": text, "fingerprint": fingerprint(text)}
    paper = Paper(id="2401.00001", headline=TITLE, url="https://arxiv.org/abs/2401.00001", provisional=True, **shared)
    summary = CommunitySummary(
        paper_id="2401.00001", author=author, url=permalink, votes=votes, published=published, **shared
    )
    return SourceEntry(paper, (summary,))


def test_two_summaries_of_one_arxiv_paper_and_one_without() -> None:
    entries, problems = _parse((FIXTURES / "shortscience_rss.xml").read_bytes())
    assert problems == ()
    first_link = f"{PERMALINK}arxiv.org/abs/2401.00001#pnatarajan"
    second_link = f"{PERMALINK}arxiv.org/abs/2401.00001#dmeyer"
    assert entries[0] == _summarized(first_link, FIRST, "Priya Natarajan", 7, datetime(2024, 1, 10, 14, 20, tzinfo=UTC))
    assert entries[1] == _summarized(second_link, SECOND, "Daniel Meyer", 3, datetime(2024, 1, 11, 7, 5, tzinfo=UTC))
    third_link = f"{PERMALINK}conf/cvpr/Lindgren2019#pnatarajan"
    assert entries[2] == SourceEntry(
        Paper(
            id=f"ss-{fingerprint(THIRD)[:12]}",
            source="shortscience",
            source_id=third_link,
            headline="Learning to Count Birds from Drone Footage",
            text=THIRD,
            fingerprint=fingerprint(THIRD),
            authors=("Lindgren et al.",),
            url=third_link,
            published=datetime(2024, 1, 9, 10, 0, tzinfo=UTC),
        )
    )


def test_a_summary_in_a_page_dump_and_in_the_feed_is_one_paper(tmp_path: Path) -> None:
    dump = tmp_path / "page.txt"
    dump.write_text(f"[link]\n{THIRD.replace('—', '&mdash;')}\n2 Comments\n|\n", encoding="utf-8")
    (from_dump,) = parse_shortscience(dump)
    entries, _ = _parse((FIXTURES / "shortscience_rss.xml").read_bytes())
    assert isinstance(from_dump, Paper) and from_dump.id == entries[2].paper.id


def _feed(*items: str, namespace: str = 'xmlns:shortscience="http://www.shortscience.org/rss"') -> bytes:
    channel = f"<channel><title>S</title>{''.join(items)}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0" {namespace}>{channel}</rss>'.encode()


def test_extension_elements_match_by_local_name() -> None:
    item = (
        "<item><title>T</title><link>https://ss.example/s/1</link><description>A fine summary.</description>"
        "<ss:arxivid>https://arxiv.org/abs/2401.00009v2</ss:arxivid><ss:votes> 4 </ss:votes></item>"
    )
    ((entry,), _) = _parse(_feed(item, namespace='xmlns:ss="https://shortscience.example/ns#"'))
    assert (entry.paper.id, entry.summaries[0].paper_id, entry.summaries[0].votes) == ("2401.00009", "2401.00009", 4)


def test_bad_items_are_problems_and_the_rest_parse() -> None:
    good = "<item><title>Good</title><link>https://ss.example/s/1</link><description>Useful text.</description>"
    entries, problems = _parse(
        _feed(
            "<item><title>No link</title><description>Text.</description></item>",
            f"{good}<shortscience:arxivid>not-an-id</shortscience:arxivid></item>",
            "<item><title>Empty</title><link>https://ss.example/s/3</link><description>$$ ![]() </description></item>",
            f"{good}<shortscience:arxivid>2401.00001</shortscience:arxivid><shortscience:votes>many</shortscience:votes>"
            "</item>",
        )
    )
    assert problems == (
        f"{URL}: entry 1: no link",
        f"{URL}: entry 2: not an arXiv id: 'not-an-id'",
        f"{URL}: entry 3: summary is empty after cleaning",
    )
    (entry,) = entries
    assert (entry.paper.id, entry.summaries[0].votes, entry.summaries[0].author) == ("2401.00001", 0, None)
