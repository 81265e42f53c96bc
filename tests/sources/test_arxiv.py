"""arXiv: id normalization, API query URLs, API result pages (with paging and errors) and daily RSS listings."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.errors import SourceError
from bot.ingest.clean import fingerprint
from bot.ingest.identity import arxiv_id_from_link, normalize_arxiv_id
from bot.models import Paper, SourceEntry
from bot.sources.arxiv import api_url, parse_api, parse_listing
from bot.sources.base import ParsedPage
from testing.feed_server import FIXTURES

API = "https://export.arxiv.org/api/query?search_query=cat%3Acs.LG&start=0&max_results=2"
LISTING = "https://rss.arxiv.org/rss/cs.LG"
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _atom_feed(*entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>ArXiv Query</title>{''.join(entries)}</feed>"
    ).encode()


# --- ids -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2301.01234", ("2301.01234", None)),
        ("2301.01234v2", ("2301.01234", 2)),
        ("  arXiv:2301.01234  ", ("2301.01234", None)),
        ("ARXIV:2301.01234v12", ("2301.01234", 12)),
        ("1412.6980", ("1412.6980", None)),  # four digits after the dot, before 2015
        ("http://arxiv.org/abs/2301.01234v3", ("2301.01234", 3)),
        ("https://arxiv.org/abs/2301.01234", ("2301.01234", None)),
        ("https://export.arxiv.org/abs/2301.01234v1", ("2301.01234", 1)),
        ("https://www.arxiv.org/pdf/2301.01234v1.pdf", ("2301.01234", 1)),
        ("https://arxiv.org/pdf/2301.01234v1", ("2301.01234", 1)),
        ("arxiv.org/abs/2301.01234", ("2301.01234", None)),
        ("oai:arXiv.org:2401.00004v1", ("2401.00004", 1)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("math.AG/0601001", ("math/0601001", None)),  # the subject class is not part of the canonical id
        ("cs.LG/0101001v1", ("cs/0101001", 1)),
        ("http://arxiv.org/abs/cond-mat/0703470v2", ("cond-mat/0703470", 2)),
    ],
)
def test_normalize_arxiv_id(raw: str, expected: tuple[str, int | None]) -> None:
    assert normalize_arxiv_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "2301.0123",  # four digits after the dot ended in 2014
        "1412.69801",  # five began in 2015
        "2301.012345",
        "2313.01234",  # month 13
        "2300.01234",  # month 00
        "2301.01234v0",  # versions start at 1
        "2301.01234v",
        "2301.01234 and more",
        "https://example.org/abs/2301.01234",
        "https://arxiv.org/list/cs.LG/recent",
        "hep-th/990100",  # six digits
        "HEP-TH/9901001",
        "cs.lg/0101001",
        "doi:10.1000/xyz",
    ],
)
def test_normalize_arxiv_id_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="not an arXiv id"):
        normalize_arxiv_id(raw)


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://arxiv.org/abs/2401.00001v2?context=cs", ("2401.00001", 2)),
        ("http://arxiv.org/pdf/2401.00005v1.pdf#page=2", ("2401.00005", 1)),
        ("2401.00001", None),  # a bare number in some feed's guid is not a claim to be arXiv
        ("arXiv:2401.00001", None),
        ("https://blog.example.org/2401.00001", None),
        ("https://arxiv.org/abs/not-an-id", None),
    ],
)
def test_arxiv_id_from_link(link: str, expected: tuple[str, int | None] | None) -> None:
    assert arxiv_id_from_link(link) == expected


# --- API URLs ------------------------------------------------------------------------------------------------------


def _params(url: str) -> dict[str, str]:
    return {key: value for key, (value,) in parse_qs(urlsplit(url).query).items()}


def test_api_url_combines_categories_and_keywords() -> None:
    url = api_url(categories=["cs.LG", "cs.CL"], query='"graph neural" pruning', start=50, max_results=25)
    assert url.startswith("https://export.arxiv.org/api/query?search_query=")
    assert _params(url) == {
        "search_query": '(cat:cs.LG OR cat:cs.CL) AND (all:"graph neural" AND all:pruning)',
        "start": "50",
        "max_results": "25",
        "sortBy": "submittedDate",
        "sortOrder": "descending",
    }
    assert "search_query=(cat:cs.LG+OR+cat:cs.CL)+AND+(all:%22graph+neural%22+AND+all:pruning)&" in url


def test_api_url_encodes_what_would_break_the_query() -> None:
    url = api_url(categories=["cs.LG&start=9"], query="a+b #c", start=0, max_results=1)
    assert "search_query=cat:cs.LG%26start%3D9+AND+(all:a%2Bb+AND+all:%23c)&start=0&" in url


@pytest.mark.parametrize(
    ("categories", "query", "search"),
    [
        (["cs.LG"], None, "cat:cs.LG"),
        (["cs.LG"], "  ", "cat:cs.LG"),
        ([], "diffusion", "all:diffusion"),
        ([], 'a "" b', "(all:a AND all:b)"),  # an empty phrase is no term
        (["stat.ML"], '"mixture of experts"', 'cat:stat.ML AND all:"mixture of experts"'),
    ],
)
def test_api_url_search_query(categories: list[str], query: str | None, search: str) -> None:
    assert _params(api_url(categories=categories, query=query, start=0, max_results=10))["search_query"] == search


def test_api_url_base_and_nothing_to_search() -> None:
    url = api_url(categories=["cs.AI"], query=None, start=0, max_results=1, base="http://127.0.0.1:8080/api/query")
    assert url.startswith("http://127.0.0.1:8080/api/query?")
    with pytest.raises(ValueError, match="categories or keywords"):
        api_url(categories=[], query=" ", start=0, max_results=10)


# --- API pages -----------------------------------------------------------------------------------------------------


def _paper(**fields: object) -> Paper:
    text = str(fields["text"])
    return Paper(fingerprint=fingerprint(text), **fields)


def test_api_page1() -> None:
    page = parse_api(_fixture("arxiv_api_page1.xml"), API, ATOM)
    assert (page.total, page.start, page.problems) == (3, 0, ())
    first_text = (
        "We study mixtures of very small experts for machine translation on phones. Routing each token to k=2 of 64 "
        "experts keeps latency under 30ms while matching a dense model with 4× the parameters. Code is released."
    )
    second_text = (
        "Dropout rates that grow with training time regularize message passing & reduce over-smoothing on citation "
        "graphs (p < 0.01 over five seeds)."
    )
    assert page.entries == (
        SourceEntry(
            _paper(
                id="2401.00001",
                source="arxiv",
                source_id="2401.00001v2",
                headline="Sparse Mixtures of Tiny Experts for On-Device Translation",
                text=first_text,
                authors=("Mira Okafor", "Jonas Feld"),
                url="https://arxiv.org/abs/2401.00001",
                pdf_url="https://arxiv.org/pdf/2401.00001v2",
                categories=("cs.CL", "cs.LG"),
                published=datetime(2024, 1, 1, 18, 59, 59, tzinfo=UTC),
                updated=datetime(2024, 1, 5, 17, 21, 9, tzinfo=UTC),
                version=2,
            )
        ),
        SourceEntry(
            _paper(
                id="2401.00002",
                source="arxiv",
                source_id="2401.00002v1",
                headline="Curriculum Dropout for Graph Neural Networks",
                text=second_text,
                authors=("Li Wei",),
                url="https://arxiv.org/abs/2401.00002",
                pdf_url="https://arxiv.org/pdf/2401.00002v1",
                categories=("cs.LG", "stat.ML"),
                published=datetime(2024, 1, 2, 9, 0, tzinfo=UTC),
                updated=datetime(2024, 1, 2, 9, 0, tzinfo=UTC),
                version=1,
            )
        ),
    )


def test_api_page2_continues_paging() -> None:
    page = parse_api(_fixture("arxiv_api_page2.xml"), API, ATOM)
    assert (page.total, page.start, page.problems) == (3, 2, ())
    (entry,) = page.entries
    assert entry.paper.id == "2401.00003"
    assert entry.paper.headline == "A Note on λ-Returns in Offline Reinforcement Learning"
    assert entry.paper.authors == ("Ana Duarte", "Peter Holm", "Sun Yi")
    assert entry.paper.categories == ("cs.LG",)
    assert entry.paper.text.startswith("We show that λ-returns bias value estimates")


def test_api_error_entry_raises_its_message() -> None:
    with pytest.raises(SourceError) as raised:
        parse_api(_fixture("arxiv_api_error.xml"), API, ATOM)
    assert str(raised.value) == f"{API}: arXiv API error: incorrect id format for 2401.0000x"


def test_api_empty_result_is_an_empty_page() -> None:
    body = _atom_feed().replace(
        b"<title>",
        b'<opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0'
        b"</opensearch:totalResults><title>",
    )
    assert parse_api(body, API, ATOM) == ParsedPage(entries=(), total=0)


def test_api_unusable_entries_become_problems() -> None:
    good = (
        "<entry><id>http://arxiv.org/abs/2401.00009v1</id><title>Fine</title><summary>An abstract.</summary>"
        "<published>2024-01-09T00:00:00Z</published></entry>"
    )
    no_id = "<entry><title>No id</title><summary>Text.</summary></entry>"
    bad_id = "<entry><id>http://arxiv.org/abs/nonsense</id><title>Bad id</title></entry>"
    empty = "<entry><id>http://arxiv.org/abs/2401.00008v1</id><title> </title><summary>$$</summary></entry>"
    page = parse_api(_atom_feed(no_id, good, bad_id, empty), API, ATOM)
    assert [entry.paper.id for entry in page.entries] == ["2401.00009"]
    assert page.problems == (
        f"{API}: entry 1: no arXiv id",
        f"{API}: entry 3: not an arXiv id: 'http://arxiv.org/abs/nonsense'",
        f"{API}: entry 4: no title or text",
    )
    assert (page.total, page.start) == (None, None)


def test_api_entry_without_abstract_uses_its_title_as_text() -> None:
    entry = "<entry><id>http://arxiv.org/abs/2401.00009v1</id><title>Only a title</title></entry>"
    (parsed,) = parse_api(_atom_feed(entry), API, ATOM).entries
    assert (parsed.paper.headline, parsed.paper.text, parsed.paper.pdf_url) == (
        "Only a title",
        "Only a title",
        "https://arxiv.org/pdf/2401.00009v1",
    )


# --- daily listings ------------------------------------------------------------------------------------------------


def test_listing_items() -> None:
    page = parse_listing(_fixture("arxiv_listing.xml"), LISTING, {"Content-Type": "application/rss+xml"})
    assert page.problems == ()
    papers = [entry.paper for entry in page.entries]
    assert [(p.id, p.version, p.source_id) for p in papers] == [
        ("2401.00004", 1, "2401.00004v1"),
        ("2401.00005", 1, "2401.00005v1"),
        ("2401.00001", 3, "2401.00001v3"),
        ("2401.00002", 2, "2401.00002v2"),
    ]
    announced = datetime(2024, 1, 9, 5, 0, tzinfo=UTC)
    assert papers[0] == _paper(
        id="2401.00004",
        source="arxiv",
        source_id="2401.00004v1",
        headline="Pruning Attention Heads with Second-Order Saliency",
        text=(
            "We rank attention heads by a cheap second-order saliency score and prune up to 40% of them with less "
            "than 0.5 points of accuracy lost on GLUE."
        ),
        authors=("Hana Kim", "Omar Said", "Teresa Lindqvist"),
        url="https://arxiv.org/abs/2401.00004",
        pdf_url="https://arxiv.org/pdf/2401.00004v1",
        categories=("cs.LG", "cs.CL"),
        published=announced,
        version=1,
    )
    assert papers[1].text.startswith("Ensembles of small convolutional models give calibrated precipitation")
    assert "forecasts & beat" in papers[1].text
    assert papers[1].categories == ("physics.ao-ph", "cs.LG")
    replaced = papers[2]
    assert replaced.text == (
        "We study mixtures of very small experts for machine translation on phones. This version adds results on "
        "three more language pairs."
    )
    assert (replaced.authors, replaced.pdf_url) == (("Mira Okafor", "Jonas Feld"), "https://arxiv.org/pdf/2401.00001v3")
    assert (replaced.published, replaced.updated) == (None, announced)  # a replacement's date is not its first
    assert (papers[3].published, papers[3].updated) == (None, announced)


def test_empty_weekend_listing_is_a_valid_empty_page() -> None:
    assert parse_listing(_fixture("arxiv_listing_empty.xml"), LISTING, {}) == ParsedPage(entries=())


def test_listing_version_from_description_when_guid_is_missing() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>cs.LG</title><item><title>T</title>'
        b"<link>https://arxiv.org/abs/2401.00009</link>"
        b"<description>arXiv:2401.00009v4 Announce Type: replace \nAbstract: Text here.</description>"
        b"</item><item><title>No id at all</title><description>Abstract: x</description></item></channel></rss>"
    )
    page = parse_listing(body, LISTING, {})
    (entry,) = page.entries
    assert (entry.paper.id, entry.paper.version, entry.paper.text) == ("2401.00009", 4, "Text here.")
    assert page.problems == (f"{LISTING}: entry 2: no arXiv id",)


def test_listing_rejects_an_html_page() -> None:
    with pytest.raises(SourceError, match=r"^https://rss\.arxiv\.org/rss/cs\.LG: not a feed: the server sent an HTML"):
        parse_listing(_fixture("html_error_page.html"), LISTING, {"Content-Type": "text/html"})
