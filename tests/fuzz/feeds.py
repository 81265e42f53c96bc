"""Hostile feed documents, each from one drawn seed: arXiv API pages and listings, ShortScience RSS, Hugging Face JSON.

Most are well-formed documents of the right shape with hostile text in every field (so entry building is what gets
exercised); the rest are damaged: truncated, unescaped, mislabelled encodings, HTML pages, JSON of the wrong shape.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from tests.fuzz.documents import json_value, text

# Characters XML 1.0 forbids even escaped; a field keeps them only when a document is meant to be damaged.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ARXIV_IDS = [
    "2401.00001",
    "2401.00001v2",
    "1501.00001v10",
    "math.AG/0601001",
    "hep-th/9901001v3",
    "0704.0001",
    "2413.00001",
    "arXiv:2401.00002",
    "2401.0000x",
    "",
]
_DATES = [
    "2024-01-09T00:00:00-05:00",
    "2024-01-05T17:21:09Z",
    "Tue, 09 Jan 2024 00:00:00 -0500",
    "0000-00-00",
    "Mon, 31 Feb 2024 25:61:61 GMT",
    "9999-12-31T23:59:59Z",
    "yesterday",
    "",
]
CONTENT_TYPES = [
    "application/atom+xml",
    "application/rss+xml; charset=utf-8",
    "text/xml; charset=iso-8859-1",
    "",
    "text/html",
    "application/json; charset=utf-16",
    "application/octet-stream",
]


def _field(rng: random.Random, max_parts: int = 6, *, huge: bool = False) -> str:
    """Hostile text, escaped for an XML element (nearly always without XML's forbidden characters).

    Only one field a document may be 100 kB (`huge`): more would make most documents huge, and slow.
    """
    raw = text(rng, max_parts, huge=huge)
    return escape(raw if rng.random() < 0.05 else _NOT_XML.sub("", raw))


def _attr(rng: random.Random, choices: list[str]) -> str:
    return quoteattr(_NOT_XML.sub("", rng.choice(choices) if rng.random() < 0.8 else text(rng, 2, huge=False)))


def _pick(rng: random.Random, choices: list[str]) -> str:
    return escape(rng.choice(choices)) if rng.random() < 0.8 else _field(rng, 2)


def _arxiv_api_entry(rng: random.Random, number: int) -> str:
    arxiv_id = _pick(rng, [f"http://arxiv.org/abs/{i}" for i in _ARXIV_IDS] + ["http://arxiv.org/api/errors#bad"])
    authors = "".join(f"<author><name>{_field(rng, 3)}</name></author>" for _ in range(rng.randint(0, 3)))
    return (
        f"<entry><id>{arxiv_id}</id><updated>{_pick(rng, _DATES)}</updated>"
        f"<published>{_pick(rng, _DATES)}</published><title>{_field(rng)}</title>"
        f"<summary type={_attr(rng, ['text', 'html', 'xhtml'])}>{_field(rng, 12, huge=number == 0)}</summary>{authors}"
        f"<arxiv:primary_category term={_attr(rng, ['cs.LG', 'math.AG', ''])}/>"
        f"<category term={_attr(rng, ['cs.CL', 'stat.ML'])}/><link href={_attr(rng, ['http://arxiv.org/abs/1'])}/>"
        "</entry>"
    )


def arxiv_api_page(rng: random.Random) -> str:
    entries = "".join(_arxiv_api_entry(rng, number) for number in range(rng.randint(0, 4)))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">'
        f"<title>ArXiv Query</title><opensearch:totalResults>{_pick(rng, ['3', '0', '-1', '1e9', ''])}"
        f"</opensearch:totalResults><opensearch:startIndex>{_pick(rng, ['0', '2', 'x'])}</opensearch:startIndex>"
        f"{entries}</feed>"
    )


def _rss(items: str, namespaces: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" {namespaces}><channel><title>Feed</title>'
        f"<link>https://example.org/</link>{items}</channel></rss>"
    )


def arxiv_listing(rng: random.Random) -> str:
    items = []
    for number in range(rng.randint(0, 4)):
        arxiv_id = rng.choice(_ARXIV_IDS)
        kind = rng.choice(["new", "cross", "replace", "replace-cross", "?"])
        description = f"arXiv:{arxiv_id} Announce Type: {kind} \nAbstract: {text(rng, 10, huge=number == 0)}"
        items.append(
            f"<item><title>{_field(rng)}</title><link>{_pick(rng, [f'https://arxiv.org/abs/{arxiv_id}'])}</link>"
            f"<description>{escape(_NOT_XML.sub('', description))}</description>"
            f"<guid isPermaLink='false'>{_pick(rng, [f'oai:arXiv.org:{arxiv_id}'])}</guid>"
            f"<category>{_field(rng, 2)}</category><pubDate>{_pick(rng, _DATES)}</pubDate>"
            f"<arxiv:announce_type>{_pick(rng, [kind])}</arxiv:announce_type>"
            f"<dc:creator>{_field(rng, 4)}, {_field(rng, 2)} and {_field(rng, 2)}</dc:creator></item>"
        )
    namespaces = 'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"'
    return _rss("".join(items), namespaces)


def shortscience_feed(rng: random.Random) -> str:
    items = []
    for number in range(rng.randint(0, 4)):
        permalink = _pick(rng, ["https://www.shortscience.org/paper?bibtexKey=arxiv.org/abs/2401.00001#ada", ""])
        arxiv = f"<shortscience:arxivid>{_pick(rng, _ARXIV_IDS)}</shortscience:arxivid>" if rng.random() < 0.6 else ""
        items.append(
            f"<item><title>{_field(rng)}</title><link>{permalink}</link><guid>{permalink}</guid>"
            f"<author>{_field(rng, 2)}</author><pubDate>{_pick(rng, _DATES)}</pubDate>"
            f"<description>{_field(rng, 12, huge=number == 0)}</description>{arxiv}"
            f"<shortscience:votes>{_pick(rng, ['7', '-3', 'many', '1e99', ''])}</shortscience:votes></item>"
        )
    return _rss("".join(items), 'xmlns:shortscience="http://www.shortscience.org/rss"')


def daily_papers(rng: random.Random) -> str:
    """The Hugging Face daily-papers JSON: a list of {paper: {...}}, with fields hostile, mistyped or missing."""
    if rng.random() < 0.1:
        return json.dumps(json_value(rng))  # not a list, or a list of anything
    items = []
    for number in range(rng.randint(0, 4)):
        paper = {
            "id": rng.choice(_ARXIV_IDS) if rng.random() < 0.8 else json_value(rng),
            "authors": [{"name": text(rng, 3, huge=False)} for _ in range(rng.randint(0, 3))],
            "publishedAt": rng.choice(_DATES + ["2024-01-04T18:59:51.000Z"]),
            "title": text(rng, huge=False),
            "summary": text(rng, 12, huge=number == 0),
            "upvotes": rng.choice([0, 12, -1, True, "12", None, 2**70]),
        }
        for key in list(paper):
            roll = rng.random()
            if roll < 0.08:
                del paper[key]
            elif roll < 0.16:
                paper[key] = json_value(rng)
        items.append({"paper": paper, "title": text(rng, 3, huge=False)} if rng.random() < 0.9 else json_value(rng))
    return json.dumps(items, ensure_ascii=rng.random() < 0.5)


def _damage(rng: random.Random, body: bytes) -> bytes:
    """Break a document the ways servers and proxies do."""
    roll = rng.random()
    if roll < 0.3:
        return body[: rng.randint(0, len(body))]  # cut off
    if roll < 0.45:  # raw, unescaped text anywhere, namespace declarations included
        cut = rng.randint(0, len(body))
        return body[:cut] + text(rng, 3, huge=False).encode("utf-8", "surrogatepass") + body[cut:]
    if roll < 0.55:
        return body.replace(b'encoding="UTF-8"', b'encoding="UTF-16"')  # a declaration that lies
    if roll < 0.65:
        return body.decode("utf-8", "replace").encode("utf-16")
    if roll < 0.75:
        return b"\xef\xbb\xbf" + body  # a byte order mark
    if roll < 0.85:
        return b"<!DOCTYPE html><html><body>Service Unavailable</body></html>"
    return rng.randbytes(rng.randint(0, 300))


def document(make: Callable[[random.Random], str]) -> Callable[[int], bytes]:
    """Seed -> a document from `make`, encoded as UTF-8; one in four damaged."""

    def build(seed: int) -> bytes:
        rng = random.Random(seed)
        body = make(rng).encode("utf-8", "surrogatepass" if rng.random() < 0.03 else "replace")
        return _damage(rng, body) if rng.random() < 0.25 else body

    return build
